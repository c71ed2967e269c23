import t from 'tap';
import { chooseReference } from '../../src/infer/reference.js';

t.test('reference distance choice', async (t) => {
  const cases = [
    { name: 'echo wins', echo: [3, 3, 3], ports: [{ kind: 'syn-ack', distance: 5 }], want: { source: 'echo', distance: 3 } },
    { name: 'echo majority', echo: [3, 2, 3], ports: [], want: { source: 'echo', distance: 3 } },
    { name: 'echo tie takes the farther', echo: [2, 3], ports: [], want: { source: 'echo', distance: 3 } },
    { name: 'no echo: farthest syn-ack', echo: [], ports: [{ kind: 'syn-ack', distance: 2 }, { kind: 'syn-ack', distance: 3 }, { kind: 'rst', distance: 7 }], want: { source: 'syn-ack', distance: 3 } },
    { name: 'no echo or syn-ack: farthest rst', echo: [], ports: [{ kind: 'rst', distance: 1 }, { kind: 'rst', distance: 3 }, { kind: 'icmp-unreachable', distance: 9 }], want: { source: 'rst', distance: 3 } },
    { name: 'icmp errors never serve', echo: [], ports: [{ kind: 'icmp-unreachable', distance: 1 }], want: { source: 'none', distance: null } },
    { name: 'nothing', echo: [], ports: [], want: { source: 'none', distance: null } },
  ];
  for (const c of cases) t.same(chooseReference(c.echo, c.ports), c.want, c.name);
});
