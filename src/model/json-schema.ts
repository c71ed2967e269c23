import { ADDRESS_FAMILIES, ANSWERED_BY, CHANGE_FIELDS, INITIAL_TTLS, NAT_EVIDENCE, PORT_STATES, REFERENCE_SOURCES, REPLY_KINDS, TTL_REWRITE_DIRECTIONS } from './report.js';
import { IDLE_ENDS, UNSOLICITED_KINDS } from './idle.js';

/**
 * The published JSON Schemas of `--json` and `--format ndjson`
 * (schema/*.schema.json are written from these by scripts/write-schemas.ts at
 * every build): their enumerations come from the model, so the types, the
 * run-time check and the schema cannot disagree.
 */

/** A dotted-quad IPv4 address, or IPv6 text (hex groups and colons, an IPv4 tail allowed). */
const ADDRESS_PATTERN =
  '^((25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3}|[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,7}|[0-9a-f]{0,4}(:[0-9a-f]{0,4}){2,6}:(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])(\\.(25[0-5]|2[0-4][0-9]|1[0-9][0-9]|[1-9]?[0-9])){3})$';

export const REPORT_JSON_SCHEMA = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:ttl-probe:schema:ttl-probe-1",
  "title": "ttl-probe report (schema ttl-probe/1)",
  "description": "The output of `ttl-probe --json` (`--format json`): per target, the echo replies, the host's reference distance, and per port its state, the reply, who answered it and from which hop. Field names are a contract: later versions add fields (so unknown fields are allowed) but never rename or remove these.",
  "type": "object",
  "required": [
    "schema",
    "interrupted",
    "targets"
  ],
  "properties": {
    "schema": {
      "const": "ttl-probe/1",
      "description": "Identifies the format and its version."
    },
    "interrupted": {
      "type": "boolean",
      "description": "True when the run was interrupted (Ctrl-C) and the report is partial."
    },
    "targets": {
      "type": "array",
      "items": {
        "$ref": "#/$defs/target"
      }
    },
    "summary": {
      "$ref": "#/$defs/summary"
    }
  },
  "$defs": {
    "port": {
      "type": "integer",
      "minimum": 1,
      "maximum": 65535
    },
    "ttl": {
      "type": "integer",
      "minimum": 0,
      "maximum": 255
    },
    "initialTtl": {
      "enum": [...INITIAL_TTLS],
      "description": "The initial TTL a packet most likely left its sender with."
    },
    "count": {
      "type": "integer",
      "minimum": 0
    },
    "distance": {
      "type": "integer",
      "minimum": 0,
      "description": "Routers crossed on the way back: initial TTL - received TTL."
    },
    "hop": {
      "type": "integer",
      "minimum": 1,
      "description": "traceroute hop of the sender: distance + 1."
    },
    "milliseconds": {
      "type": "number",
      "minimum": 0
    },
    "state": {
      "enum": [...PORT_STATES]
    },
    "answeredBy": {
      "enum": [...ANSWERED_BY],
      "description": "host: the reply came from the host's distance; middlebox: from closer (a device on the path); beyond: from farther (forwarded past the address that answers ping); unknown: a reply but no reference to compare with; none: no reply."
    },
    "pathHop": {
      "type": "object",
      "description": "One hop of a traced path: the router (or, last, the host) at that hop.",
      "required": [
        "hop",
        "address",
        "rttMs"
      ],
      "properties": {
        "hop": {
          "$ref": "#/$defs/hop"
        },
        "address": {
          "type": [
            "string",
            "null"
          ]
        },
        "rttMs": {
          "oneOf": [
            {
              "$ref": "#/$defs/milliseconds"
            },
            {
              "type": "null"
            }
          ]
        },
        "quotedBytes": {
          "type": ["integer", "null"],
          "minimum": 0,
          "description": "Routers only: bytes of our TCP segment their time-exceeded quoted (RFC 792: 8, too few to show window, flags or options; Linux: all of it); null when no quote was kept."
        },
        "mpls": {
          "type": "array",
          "items": { "$ref": "#/$defs/mplsEntry" },
          "description": "RFC 4950 MPLS label stack entries the hop's time-exceeded carried (RFC 4884 extension), top first."
        }
      }
    },
    "mplsEntry": {
      "type": "object",
      "required": ["label", "tc", "s", "ttl"],
      "properties": {
        "label": { "type": "integer", "minimum": 0, "maximum": 1048575 },
        "tc": { "type": "integer", "minimum": 0, "maximum": 7 },
        "s": { "type": "boolean" },
        "ttl": { "type": "integer", "minimum": 0, "maximum": 255 }
      }
    },
    "hopRef": {
      "type": "object",
      "required": ["hop", "address"],
      "properties": {
        "hop": { "type": "integer", "minimum": 0, "maximum": 255, "description": "0: the client itself." },
        "address": { "type": ["string", "null"] }
      }
    },
    "pathChange": {
      "type": "object",
      "description": "One header field the path changed in our SYN: after the last hop whose time-exceeded quote still showed what we sent, first seen in the quote of hop firstSeenAt.",
      "required": ["field", "sent", "seen", "after", "firstSeenAt"],
      "properties": {
        "field": { "enum": [...CHANGE_FIELDS] },
        "sent": { "oneOf": [{ "type": "integer", "minimum": 0 }, { "type": "string" }] },
        "seen": { "oneOf": [{ "type": "integer", "minimum": 0 }, { "type": "string" }] },
        "after": { "$ref": "#/$defs/hopRef" },
        "firstSeenAt": { "$ref": "#/$defs/hop" }
      }
    },
    "ttlRewrite": {
      "type": "object",
      "description": "A device that resets the TTL of what it forwards: replies from beyond it look as close as it.",
      "required": ["hop", "address", "direction", "undermined", "explanation"],
      "properties": {
        "hop": { "type": "integer", "minimum": 0, "maximum": 255 },
        "address": { "type": ["string", "null"] },
        "direction": {
          "enum": [...TTL_REWRITE_DIRECTIONS],
          "description": "forward: our probes' TTL is reset; both: replies' too; unknown: a reset both ways or a shorter return path, which TTLs cannot tell apart."
        },
        "undermined": { "type": "array", "items": { "$ref": "#/$defs/port" }, "description": "Ports whose verdict rests on TTLs the device may have reset." },
        "explanation": { "type": "string" }
      }
    },
    "natFinding": {
      "type": "object",
      "required": ["hop", "address", "evidence", "detail"],
      "properties": {
        "hop": { "type": "integer", "minimum": 0, "maximum": 255 },
        "address": { "type": ["string", "null"] },
        "evidence": { "enum": [...NAT_EVIDENCE], "description": "vip: a device before the host owns the target's address; quote: a quote's source address or port was rewritten." },
        "detail": { "type": "string" }
      }
    },
    "idle": {
      "type": "object",
      "description": "`ttl-probe idle` only: how long an idle connection to the port survives, what ends it and who.",
      "required": ["maxIdleS", "resolutionS", "timeout", "ends", "by", "droppedAfter", "unsolicited", "connections", "consistent", "explanation"],
      "properties": {
        "maxIdleS": { "type": "number", "exclusiveMinimum": 0, "description": "The longest idle time tried (--max-idle), in seconds." },
        "resolutionS": { "type": ["number", "null"], "minimum": 0, "description": "The resolution asked for at the timeout found; null when nothing ended." },
        "timeout": {
          "oneOf": [
            {
              "type": "object",
              "required": ["minS", "maxS"],
              "properties": { "minS": { "type": "number", "minimum": 0 }, "maxS": { "type": "number", "minimum": 0 } },
              "description": "The timeout lies in (minS, maxS]: the longest idle survived and the shortest that ended a connection."
            },
            { "type": "null" }
          ],
          "description": "null when every connection survived maxIdleS."
        },
        "ends": { "enum": [...IDLE_ENDS, null], "description": "rst: a RST; close: a FIN (the host's application); drop: silence; icmp: an ICMP error; null: nothing ended it." },
        "by": {
          "oneOf": [
            {
              "type": "object",
              "required": ["answeredBy", "hop", "ttl", "address"],
              "properties": {
                "answeredBy": { "$ref": "#/$defs/answeredBy" },
                "hop": { "$ref": "#/$defs/hop" },
                "ttl": { "$ref": "#/$defs/ttl" },
                "address": { "type": ["string", "null"] }
              }
            },
            { "type": "null" }
          ],
          "description": "Who sent what ended it, judged from its TTL against the host's reference as SYN replies are; null for a drop."
        },
        "droppedAfter": {
          "oneOf": [{ "$ref": "#/$defs/hopFinding" }, { "type": "null" }],
          "description": "ends = drop: the last hop whose time-exceeded still came back for the dead connection's segments (as --trace's droppedAfter)."
        },
        "unsolicited": {
          "type": "array",
          "description": "RSTs and FINs that came by themselves while a connection was idle.",
          "items": {
            "type": "object",
            "required": ["atS", "kind", "answeredBy", "hop", "ttl", "address"],
            "properties": {
              "atS": { "type": "number", "minimum": 0, "description": "Idle seconds of its connection when it came." },
              "kind": { "enum": [...UNSOLICITED_KINDS] },
              "answeredBy": { "$ref": "#/$defs/answeredBy" },
              "hop": { "$ref": "#/$defs/hop" },
              "ttl": { "$ref": "#/$defs/ttl" },
              "address": { "type": "string" }
            }
          }
        },
        "survivedS": {
          "oneOf": [{ "type": "number", "minimum": 0 }, { "type": "null" }],
          "description": "The longest idle time (s) after which a connection was checked and found alive; null when none was. Equal to maxIdleS when the port has no timeout up to it."
        },
        "connections": { "$ref": "#/$defs/count", "description": "Connections opened to the port." },
        "consistent": { "type": "boolean", "description": "False when a longer idle survived one that ended a connection (the timer is not sharp)." },
        "explanation": { "type": "string" },
        "expectation": {
          "$ref": "#/$defs/idleExpectation",
          "description": "--expect-idle only: whether connections survived the idle time asked for."
        }
      }
    },
    "idleExpectation": {
      "type": "object",
      "required": ["minimumS", "met", "seen"],
      "properties": { "minimumS": { "type": "number", "exclusiveMinimum": 0 }, "met": { "type": "boolean" }, "seen": { "type": "string" } }
    },
    "hopFinding": {
      "type": "object",
      "required": [
        "hop",
        "address",
        "confirmed"
      ],
      "properties": {
        "hop": {
          "$ref": "#/$defs/hop"
        },
        "address": {
          "type": [
            "string",
            "null"
          ]
        },
        "confirmed": {
          "type": "boolean"
        }
      }
    },
    "target": {
      "type": "object",
      "required": [
        "target",
        "address",
        "family",
        "echo",
        "reference",
        "ports",
        "ignored",
        "unfinishedPorts"
      ],
      "properties": {
        "target": {
          "type": "string",
          "minLength": 1,
          "description": "The target as the user gave it (address or host name)."
        },
        "address": {
          "type": "string",
          "pattern": ADDRESS_PATTERN,
          "description": "The address probed: IPv4 (dotted quad) or IPv6 (RFC 5952 text)."
        },
        "family": {
          "enum": ADDRESS_FAMILIES,
          "description": "The address family probed: 4 (IPv4) or 6 (IPv6)."
        },
        "echo": {
          "$ref": "#/$defs/echo"
        },
        "reference": {
          "$ref": "#/$defs/reference"
        },
        "ports": {
          "type": "array",
          "items": {
            "$ref": "#/$defs/portReport"
          }
        },
        "ignored": {
          "$ref": "#/$defs/count",
          "description": "Replies that failed validation (wrong cookie, unprobed port, bad checksum) and were not used."
        },
        "unfinishedPorts": {
          "type": "array",
          "items": {
            "$ref": "#/$defs/port"
          },
          "description": "Ports whose probing was cut short by an interruption: no verdict is claimed for them."
        },
        "path": {
          "type": "array",
          "items": {
            "$ref": "#/$defs/pathHop"
          },
          "description": "--trace only: the path to the target, hop by hop, the host last."
        },
        "pathPort": {
          "$ref": "#/$defs/port",
          "description": "--trace only: the port whose flow discovered the path."
        },
        "changes": {
          "type": "array",
          "items": { "$ref": "#/$defs/pathChange" },
          "description": "--trace only: what the path did to our SYN, one entry per changed field; [] on a clean path."
        },
        "ttlRewrite": {
          "oneOf": [{ "$ref": "#/$defs/ttlRewrite" }, { "type": "null" }],
          "description": "--trace only: a TTL rewriter on the path, or null."
        },
        "nat": {
          "type": "array",
          "items": { "$ref": "#/$defs/natFinding" },
          "description": "--trace only: NATs and VIP owners on the path."
        }
      },
      "dependentRequired": { "path": ["changes", "ttlRewrite", "nat"] }
    },
    "echo": {
      "type": "object",
      "required": [
        "sent",
        "received",
        "ttl",
        "initialTtl",
        "distance",
        "rttMs"
      ],
      "properties": {
        "sent": {
          "$ref": "#/$defs/count"
        },
        "received": {
          "$ref": "#/$defs/count"
        },
        "ttl": {
          "oneOf": [
            {
              "$ref": "#/$defs/ttl"
            },
            {
              "type": "null"
            }
          ]
        },
        "initialTtl": {
          "oneOf": [
            {
              "$ref": "#/$defs/initialTtl"
            },
            {
              "type": "null"
            }
          ]
        },
        "distance": {
          "oneOf": [
            {
              "$ref": "#/$defs/distance"
            },
            {
              "type": "null"
            }
          ]
        },
        "rttMs": {
          "oneOf": [
            {
              "$ref": "#/$defs/milliseconds"
            },
            {
              "type": "null"
            }
          ]
        }
      },
      "if": {
        "properties": {
          "received": {
            "const": 0
          }
        }
      },
      "then": {
        "properties": {
          "ttl": {
            "type": "null"
          },
          "initialTtl": {
            "type": "null"
          },
          "distance": {
            "type": "null"
          },
          "rttMs": {
            "type": "null"
          }
        }
      },
      "else": {
        "properties": {
          "ttl": {
            "type": "integer"
          },
          "initialTtl": {
            "type": "integer"
          },
          "distance": {
            "type": "integer"
          },
          "rttMs": {
            "type": "number"
          }
        }
      }
    },
    "reference": {
      "type": "object",
      "required": [
        "source",
        "distance",
        "hop"
      ],
      "properties": {
        "source": {
          "enum": [...REFERENCE_SOURCES],
          "description": "What the host's distance was taken from."
        },
        "distance": {
          "oneOf": [
            {
              "$ref": "#/$defs/distance"
            },
            {
              "type": "null"
            }
          ]
        },
        "hop": {
          "oneOf": [
            {
              "$ref": "#/$defs/hop"
            },
            {
              "type": "null"
            }
          ],
          "description": "traceroute hop of the host (distance + 1)."
        }
      },
      "if": {
        "properties": {
          "source": {
            "const": "none"
          }
        }
      },
      "then": {
        "properties": {
          "distance": {
            "type": "null"
          },
          "hop": {
            "type": "null"
          }
        }
      },
      "else": {
        "properties": {
          "distance": {
            "type": "integer"
          },
          "hop": {
            "type": "integer"
          }
        }
      }
    },
    "reply": {
      "type": "object",
      "description": "One reply to a port's SYN, with what its TTL says about its sender.",
      "required": [
        "kind",
        "from",
        "ttl",
        "initialTtl",
        "distance",
        "rttMs"
      ],
      "properties": {
        "kind": {
          "enum": [...REPLY_KINDS]
        },
        "from": {
          "type": "string",
          "description": "Source address of the reply (for ICMP errors: the router or host that sent the error)."
        },
        "ttl": {
          "$ref": "#/$defs/ttl"
        },
        "initialTtl": {
          "$ref": "#/$defs/initialTtl"
        },
        "distance": {
          "$ref": "#/$defs/distance"
        },
        "rttMs": {
          "$ref": "#/$defs/milliseconds"
        },
        "icmpType": {
          "type": "integer",
          "minimum": 0,
          "maximum": 255,
          "description": "Only for kind icmp-unreachable."
        },
        "icmpCode": {
          "type": "integer",
          "minimum": 0,
          "maximum": 255,
          "description": "Only for kind icmp-unreachable."
        },
        "quotedTtl": {
          "$ref": "#/$defs/ttl",
          "description": "Only for ICMP errors: the TTL left in the copy of our SYN that the error quotes."
        },
        "probeDistance": {
          "type": "integer",
          "description": "sent TTL - quotedTtl: routers our SYN crossed before the sender."
        }
      }
    },
    "portReport": {
      "type": "object",
      "required": [
        "port",
        "state",
        "reply",
        "answeredBy",
        "hop",
        "tries",
        "explanation"
      ],
      "properties": {
        "port": {
          "$ref": "#/$defs/port"
        },
        "state": {
          "$ref": "#/$defs/state"
        },
        "reply": {
          "oneOf": [
            {
              "$ref": "#/$defs/reply"
            },
            {
              "type": "null"
            }
          ]
        },
        "answeredBy": {
          "$ref": "#/$defs/answeredBy"
        },
        "hop": {
          "oneOf": [
            {
              "$ref": "#/$defs/hop"
            },
            {
              "type": "null"
            }
          ],
          "description": "traceroute hop of whoever answered; null without a reply."
        },
        "tries": {
          "$ref": "#/$defs/count",
          "description": "How many SYNs were sent to this port."
        },
        "explanation": {
          "type": [
            "string",
            "null"
          ],
          "description": "One line for a port not answered by the host; null when the host answered."
        },
        "responder": {
          "oneOf": [
            {
              "$ref": "#/$defs/hopFinding"
            },
            {
              "type": "null"
            }
          ],
          "description": "--trace only: the device that answered (its hop and address), confirmed by TTL-limited probes."
        },
        "droppedAfter": {
          "oneOf": [
            {
              "$ref": "#/$defs/hopFinding"
            },
            {
              "type": "null"
            }
          ],
          "description": "--trace only, silent ports: the last hop whose time-exceeded still came back; the filter is there or on the next link."
        },
        "undermined": {
          "const": true,
          "description": "--trace only, present when a TTL rewriter on the path may have reset the TTLs this verdict rests on (see the target's ttlRewrite); the explanation says so, even for answeredBy host."
        },
        "forwardedBy": {
          "oneOf": [
            { "type": "object", "required": ["hop", "address"], "properties": { "hop": { "$ref": "#/$defs/hop" }, "address": { "type": "string" } } },
            { "type": "null" }
          ],
          "description": "--trace only, beyond ports: the device before the host that owns the target's address and forwards the port."
        },
        "idle": {
          "oneOf": [{ "$ref": "#/$defs/idle" }, { "type": "null" }],
          "description": "`ttl-probe idle` only: the port's idle timeout (null for a port that is not open)."
        },
        "idleExpectation": {
          "$ref": "#/$defs/idleExpectation",
          "description": "--expect-idle on a port that is not open (idle null): the expectation, failed."
        }
      },
      "allOf": [
        {
          "if": {
            "properties": {
              "state": {
                "const": "filtered"
              }
            }
          },
          "then": {
            "properties": {
              "reply": {
                "type": "null"
              },
              "answeredBy": {
                "const": "none"
              },
              "hop": {
                "type": "null"
              }
            }
          },
          "else": {
            "properties": {
              "reply": {
                "type": "object"
              },
              "hop": {
                "type": "integer"
              },
              "answeredBy": {
                "not": {
                  "const": "none"
                }
              }
            }
          }
        },
        {
          "if": {
            "properties": {
              "state": {
                "const": "open"
              }
            }
          },
          "then": {
            "properties": {
              "reply": {
                "type": "object",
                "properties": {
                  "kind": {
                    "const": "syn-ack"
                  }
                }
              }
            }
          }
        },
        {
          "if": {
            "properties": {
              "state": {
                "const": "closed"
              }
            }
          },
          "then": {
            "properties": {
              "reply": {
                "type": "object",
                "properties": {
                  "kind": {
                    "const": "rst"
                  }
                }
              }
            }
          }
        },
        {
          "if": {
            "properties": {
              "state": {
                "const": "unreachable"
              }
            }
          },
          "then": {
            "properties": {
              "reply": {
                "type": "object",
                "properties": {
                  "kind": {
                    "const": "icmp-unreachable"
                  }
                }
              }
            }
          }
        },
        {
          "if": {
            "properties": {
              "answeredBy": {
                "const": "host"
              },
              "undermined": false
            }
          },
          "then": {
            "properties": {
              "explanation": {
                "type": "null"
              }
            }
          },
          "else": {
            "properties": {
              "explanation": {
                "type": "string"
              }
            }
          }
        }
      ]
    },
    "summary": {
      "type": "object",
      "description": "The fleet summary: per port, the targets grouped by who answered it (see README, \"Fleets\").",
      "required": ["targets", "ports"],
      "properties": {
        "targets": { "$ref": "#/$defs/count" },
        "ports": {
          "type": "array",
          "items": {
            "type": "object",
            "required": ["port", "hosts", "groups"],
            "properties": {
              "port": { "$ref": "#/$defs/port" },
              "hosts": { "$ref": "#/$defs/count" },
              "groups": {
                "type": "array",
                "items": {
                  "type": "object",
                  "required": ["answeredBy", "hosts", "states", "hop", "address", "signature", "droppedAfterHop"],
                  "properties": {
                    "answeredBy": { "$ref": "#/$defs/answeredBy" },
                    "hosts": { "$ref": "#/$defs/count" },
                    "states": {
                      "type": "object",
                      "propertyNames": { "enum": [...PORT_STATES] },
                      "additionalProperties": { "$ref": "#/$defs/count" }
                    },
                    "hop": { "oneOf": [{ "$ref": "#/$defs/hop" }, { "type": "null" }] },
                    "address": { "oneOf": [{ "type": "string", "pattern": ADDRESS_PATTERN }, { "type": "null" }] },
                    "signature": {
                      "oneOf": [
                        {
                          "type": "object",
                          "required": ["kind", "initialTtl"],
                          "properties": {
                            "kind": { "enum": [...REPLY_KINDS] },
                            "initialTtl": { "$ref": "#/$defs/initialTtl" },
                            "icmpType": { "type": "integer", "minimum": 0, "maximum": 255 },
                            "icmpCode": { "type": "integer", "minimum": 0, "maximum": 255 }
                          }
                        },
                        { "type": "null" }
                      ]
                    },
                    "droppedAfterHop": { "oneOf": [{ "$ref": "#/$defs/hop" }, { "type": "null" }] }
                  }
                }
              }
            }
          }
        }
      }
    }
  }
};

export const NDJSON_JSON_SCHEMA = {
  "$schema": "https://json-schema.org/draft/2020-12/schema",
  "$id": "urn:ttl-probe:schema:ttl-probe-1-ndjson",
  "title": "ttl-probe ndjson line (schema ttl-probe/1)",
  "description": "One line of `ttl-probe --format ndjson`: one port of one target. A port without a verdict (interrupted, or expected but not probed) has null state, answeredBy, hop, reply and tries, and says why in explanation. Unknown fields are allowed: later versions add fields, never rename these.",
  "type": "object",
  "required": [
    "schema",
    "target",
    "address",
    "port",
    "state",
    "answeredBy",
    "hop",
    "hostHop",
    "reply",
    "tries",
    "explanation"
  ],
  "properties": {
    "schema": {
      "const": "ttl-probe/1"
    },
    "target": {
      "type": "string",
      "minLength": 1
    },
    "address": {
      "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/target/properties/address"
    },
    "port": {
      "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/port"
    },
    "state": {
      "oneOf": [
        {
          "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/state"
        },
        {
          "type": "null"
        }
      ]
    },
    "answeredBy": {
      "oneOf": [
        {
          "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/answeredBy"
        },
        {
          "type": "null"
        }
      ]
    },
    "hop": {
      "oneOf": [
        {
          "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/hop"
        },
        {
          "type": "null"
        }
      ]
    },
    "hostHop": {
      "oneOf": [
        {
          "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/hop"
        },
        {
          "type": "null"
        }
      ],
      "description": "traceroute hop of the host (the reference)."
    },
    "reply": {
      "oneOf": [
        {
          "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/reply"
        },
        {
          "type": "null"
        }
      ]
    },
    "tries": {
      "oneOf": [
        {
          "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/count"
        },
        {
          "type": "null"
        }
      ]
    },
    "explanation": {
      "type": [
        "string",
        "null"
      ]
    },
    "responder": {
      "oneOf": [
        {
          "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/hopFinding"
        },
        {
          "type": "null"
        }
      ],
      "description": "--trace only."
    },
    "droppedAfter": {
      "oneOf": [
        {
          "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/hopFinding"
        },
        {
          "type": "null"
        }
      ],
      "description": "--trace only."
    },
    "forwardedBy": {
      "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/portReport/properties/forwardedBy"
    },
    "pathChanges": {
      "type": "array",
      "items": { "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/pathChange" },
      "description": "--trace only: the target's path changes (the same on every line of a target); [] on a clean path."
    },
    "ttlRewrite": {
      "oneOf": [{ "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/ttlRewrite" }, { "type": "null" }],
      "description": "--trace only: the target's TTL rewriter, or null."
    },
    "nat": {
      "type": "array",
      "items": { "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/natFinding" },
      "description": "--trace only: the target's NATs and VIP owners."
    },
    "expectation": {
      "type": "object",
      "description": "Present when an expectation was given for this port.",
      "required": [
        "expected",
        "met",
        "message"
      ],
      "properties": {
        "expected": {
          "type": "object",
          "required": [
            "state"
          ],
          "properties": {
            "state": {
              "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/state"
            },
            "answeredBy": {
              "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/answeredBy"
            }
          }
        },
        "met": {
          "type": "boolean"
        },
        "message": {
          "type": "string"
        }
      }
    }
  },
  "if": {
    "properties": {
      "state": {
        "type": "null"
      }
    }
  },
  "then": {
    "properties": {
      "answeredBy": {
        "type": "null"
      },
      "hop": {
        "type": "null"
      },
      "reply": {
        "type": "null"
      },
      "tries": {
        "type": "null"
      },
      "explanation": {
        "type": "string"
      }
    }
  },
  "else": {
    "$ref": "urn:ttl-probe:schema:ttl-probe-1#/$defs/portReport"
  }
};

/** The schema files and their contents, as written to schema/. */
export const SCHEMA_FILES: readonly { file: string; schema: object }[] = [
  { file: 'ttl-probe-1.schema.json', schema: REPORT_JSON_SCHEMA },
  { file: 'ttl-probe-1-ndjson.schema.json', schema: NDJSON_JSON_SCHEMA },
];
