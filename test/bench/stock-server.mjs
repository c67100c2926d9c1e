// Baseline for bench:rpc: a server on vscode-jsonrpc's stock stream reader/writer, answering ping.
import * as rpc from 'vscode-jsonrpc/node';

const conn = rpc.createMessageConnection(new rpc.StreamMessageReader(process.stdin), new rpc.StreamMessageWriter(process.stdout));
conn.onRequest('initialize', () => ({ serverInfo: { name: 'stock' } }));
conn.onRequest('ping', () => ({}));
conn.onNotification('bench/note', () => {});
conn.onClose(() => process.exit(0));
conn.listen();
