// opcua_peer.mjs — runs lib/opcua_server.mjs (a node-opcua server with the test address
// space under Objects/Test) as a process of its own, so a test can kill it mid-stream.
// Used by opcua.test.mjs and connections_browser.test.mjs.
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Starts lib/opcua_server.mjs; resolves with {proc, info, stop(), kill()} once it is listening. */
export async function startUaServer(port, pki) {
  const proc = spawn(process.execPath, [join(HERE, 'opcua_server.mjs'), '--port', String(port), '--pki', pki],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '', errText = '';
  proc.stderr.on('data', (d) => { errText += d; });
  const info = await new Promise((resolve, reject) => {
    const t = setTimeout(() => reject(new Error('node-opcua server did not start:\n' + errText)), 60000);
    proc.stdout.on('data', (d) => {
      out += d;
      const line = out.split('\n').find((l) => l.startsWith('{'));
      if (line) { clearTimeout(t); resolve(JSON.parse(line)); }
    });
    proc.on('exit', (code) => { clearTimeout(t); reject(new Error(`node-opcua server exited ${code}:\n${errText}`)); });
  });
  const exited = new Promise((r) => proc.on('exit', r));
  return {
    proc, info,
    stop: async () => { if (proc.exitCode === null) proc.kill('SIGTERM'); await exited; },
    kill: async () => { if (proc.exitCode === null) proc.kill('SIGKILL'); await exited; },
  };
}
