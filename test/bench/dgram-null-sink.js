// dgram-null-sink: the JavaScript ceiling probe of the ingest benchmark.
//
// A Node.js dgram socket set up like the broker's VxlanListener (same port, same 32 MiB receive
// buffer) whose 'message' handler only counts. Whatever rate this cannot sustain, no JavaScript
// broker built on dgram can, however cheap its decode and pcapng writing: the difference between
// this probe and `clustertap capture` is what our own code costs per packet.
//
// Usage: node dgram-null-sink.js [PORT]   — prints {"received":N} on SIGINT/SIGTERM.
import dgram from 'node:dgram';

const port = Number(process.argv[2] ?? 4789);
const socket = dgram.createSocket({ type: 'udp4', recvBufferSize: 32 << 20 });
let received = 0;

socket.on('message', () => {
  received++;
});
socket.bind(port, '0.0.0.0', () => {
  socket.setRecvBufferSize(32 << 20);
});

function finish() {
  process.stdout.write(`${JSON.stringify({ received })}\n`);
  socket.close(() => process.exit(0));
}
process.on('SIGINT', finish);
process.on('SIGTERM', finish);
