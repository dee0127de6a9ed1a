// A private aedes broker for tests/support/aedes.rs: `node aedes_broker.mjs <install dir>
// <port>` loads aedes from `<install dir>/node_modules`, listens on 127.0.0.1:<port> and
// prints one line "aedes ready on <port>" once it accepts connections.
import net from 'node:net';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

const [installDir, port] = process.argv.slice(2);
const entry = path.join(installDir, 'node_modules', 'aedes', 'aedes.js');
const { Aedes } = await import(pathToFileURL(entry).href);
const broker = await Aedes.createBroker();
const server = net.createServer(broker.handle);
server.on('error', (error) => {
  console.error(`aedes listen failed: ${error.code ?? error}`);
  process.exit(1);
});
server.listen(Number(port), '127.0.0.1', () => {
  console.log(`aedes ready on ${port}`);
});
