// shop-db: a tiny key-value store speaking RESP (the Redis protocol) on TCP 6379 (PORT), so
// Wireshark decodes its traffic. Commands: PING, GET, SET, INCR, DBSIZE.
import net from 'node:net';
import { exitOnSigterm, log } from './lib.js';

const port = Number(process.env.PORT ?? 6379);
const store = new Map();
for (let i = 1; i <= 50; i++)
  store.set(`product:${i}`, JSON.stringify({ id: i, name: `product ${i}`, price: (i * 7.3).toFixed(2) }));

const bulk = (v) => (v === undefined ? '$-1\r\n' : `$${Buffer.byteLength(v)}\r\n${v}\r\n`);

function execute([command = '', ...args]) {
  switch (command.toUpperCase()) {
    case 'PING':
      return '+PONG\r\n';
    case 'GET':
      return bulk(store.get(args[0]));
    case 'SET':
      store.set(args[0], args[1] ?? '');
      return '+OK\r\n';
    case 'INCR': {
      const n = Number(store.get(args[0]) ?? 0) + 1;
      store.set(args[0], String(n));
      return `:${n}\r\n`;
    }
    case 'DBSIZE':
      return `:${store.size}\r\n`;
    default:
      return `-ERR unknown command '${command}'\r\n`;
  }
}

/** Parses complete RESP arrays of bulk strings from buf; returns [commands, rest]. */
function parse(buf) {
  const commands = [];
  let text = buf.toString();
  for (;;) {
    const m = /^\*(\d+)\r\n/.exec(text);
    if (!m) break;
    let offset = m[0].length;
    const args = [];
    for (let i = 0; i < Number(m[1]); i++) {
      const b = /^\$(\d+)\r\n/.exec(text.slice(offset));
      if (!b || text.length < offset + b[0].length + Number(b[1]) + 2) return [commands, Buffer.from(text)];
      args.push(text.slice(offset + b[0].length, offset + b[0].length + Number(b[1])));
      offset += b[0].length + Number(b[1]) + 2;
    }
    if (args.length < Number(m[1])) break;
    commands.push(args);
    text = text.slice(offset);
  }
  return [commands, Buffer.from(text)];
}

let served = 0;
const server = net.createServer((socket) => {
  let pending = Buffer.alloc(0);
  socket.on('data', (d) => {
    const [commands, rest] = parse(Buffer.concat([pending, d]));
    pending = rest;
    for (const c of commands) {
      socket.write(execute(c));
      served++;
    }
  });
  socket.on('error', () => {});
});
server.listen(port, () => log(`shop-db: RESP on :${port}`));
setInterval(() => log(`shop-db: ${served} commands served`), 60_000).unref();
exitOnSigterm(() => server.close());
