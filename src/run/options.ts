/** The tracer's farthest hop unless --max-hops says otherwise: traceroute's default. */
export const DEFAULT_MAX_HOPS = 30;
