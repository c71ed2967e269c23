{
  # ttl-probe's own addon (native/raw6.cc): IPv6 raw sockets that read the hop limit of replies.
  # npm runs `node-gyp rebuild` for it on install (a package with a binding.gyp and no install script).
  'targets': [
    {
      'target_name': 'ttl_probe_raw6',
      'sources': ['native/raw6.cc'],
      'dependencies': ["<!(node -p \"require('node-addon-api').targets\"):node_addon_api_except"],
      'defines': ['NAPI_VERSION=8'],
      'cflags_cc': ['-std=c++17', '-Wall', '-Wextra', '-Wno-unused-parameter'],
      'conditions': [
        ['OS!="linux"', { 'type': 'none' }]
      ]
    }
  ]
}
