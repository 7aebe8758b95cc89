// Which application server gets a new call (seed-part1 §1.32 "Application Servers", DESIGN.md "the edge
// distributes calls over app nodes: hash per client, round robin, or static"). With one node it is simply that one.
import type { TransportName } from '../../sip/transaction/types.ts';

export interface AppNode {
  host: string;
  /** default 6060 (spec: "port always 6060 (UDP)") */
  port: number;
  transport: TransportName;
}

export type DistributeMethod = 'hash' | 'round-robin' | 'static';

export interface AppNodeSelector {
  /** Node for a new call of `clientId` (`staticNode` is the client's assigned node index, for 'static'). */
  pick(clientId: number, staticNode?: number): AppNode | undefined;
  /** Is this source one of the app nodes (trusted side)? */
  isAppNode(host: string, port?: number): boolean;
  readonly nodes: readonly AppNode[];
}

export function createAppNodeSelector(nodes: readonly AppNode[], method: DistributeMethod = 'hash'): AppNodeSelector {
  let next = 0;
  return {
    nodes,
    pick(clientId, staticNode) {
      if (nodes.length === 0) return undefined;
      if (nodes.length === 1) return nodes[0];
      switch (method) {
        case 'round-robin':
          return nodes[next++ % nodes.length];
        case 'static':
          if (staticNode !== undefined && nodes[staticNode]) return nodes[staticNode];
          return nodes[hash(clientId) % nodes.length];
        case 'hash':
          return nodes[hash(clientId) % nodes.length];
      }
    },
    isAppNode(host, port) {
      // Ports are not checked when unknown: an app node sends from its listener port, but a TCP flow from it
      // comes from an ephemeral port.
      return nodes.some((n) => n.host === host && (port === undefined || n.transport !== 'UDP' || n.port === port));
    },
  };
}

/** A small integer hash (FNV-1a over the decimal id): the same client always lands on the same node. */
function hash(n: number): number {
  let h = 0x811c9dc5;
  for (const ch of String(n)) {
    h ^= ch.charCodeAt(0);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}
