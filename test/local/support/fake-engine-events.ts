/**
 * For the stand-ins of the `pulumi` CLI: JavaScript that defines `engineEvents()`, a stream of engine events to the
 * Automation API as the CLI 3.248 sends them, over gRPC to the `--event-log tcp://HOST:PORT` it was given (the file
 * the Automation API tails for CLIs before v3.205 can deliver a line twice). `send(event)` sends one; `end()`
 * resolves once the Automation API has taken the whole stream, so a stand-in that exits then was heard in full.
 */
export function fakeEngineEventsSource(): string {
  const grpc = JSON.stringify(require.resolve('@grpc/grpc-js'));
  const service = JSON.stringify(require.resolve('@pulumi/pulumi/proto/events_grpc_pb.js'));
  const messages = JSON.stringify(require.resolve('@pulumi/pulumi/proto/events_pb.js'));
  return `
function engineEvents() {
  const grpc = require(${grpc});
  const { EventsClient } = require(${service});
  const { EventRequest } = require(${messages});
  const target = process.argv[process.argv.indexOf('--event-log') + 1].replace(/^tcp:\\/\\//, '');
  const client = new EventsClient(target, grpc.credentials.createInsecure());
  let sequence = 0;
  let call;
  const taken = new Promise((resolve, reject) => {
    call = client.streamEvents((error) => (error ? reject(error) : resolve()));
  });
  return {
    send: (event) => call.write(new EventRequest().setEvent(JSON.stringify({ sequence: sequence++, timestamp: 0, ...event }))),
    end: () => {
      call.end();
      return taken;
    },
  };
}
`;
}
