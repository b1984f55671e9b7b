// Runs one ASL definition on aws-local-stepfunctions with the test task handlers and prints how it ended, as JSON:
// {"status":"SUCCEEDED","output":...} or {"status":"FAILED","error":"...","cause":"..."}. Used by StateMachinesNodeTest
// to cross-check Pier's LocalStateMachineRunner, which runs the same definitions with the same handlers in Java.
import { readFileSync } from 'node:fs';
import { StateMachine } from 'aws-local-stepfunctions';

// aws-local-stepfunctions 3 asks for Node 22 for this one function; Node 20 (what CI has) runs it with the polyfill.
Promise.withResolvers ??= function withResolvers() {
  let resolve, reject;
  const promise = new Promise((res, rej) => { resolve = res; reject = rej; });
  return { promise, resolve, reject };
};

const [definitionFile, inputFile] = process.argv.slice(2);
const definition = JSON.parse(readFileSync(definitionFile, 'utf8'));
const input = JSON.parse(readFileSync(inputFile, 'utf8'));

function named(name, message) {
  const e = new Error(message);
  e.name = name;
  return e;
}

const calls = {};
const handlers = {
  double: (i) => ({ ...i, value: i.value * 2 }),
  echo: (i) => i,
  flaky: (i, state) => {
    calls[state] = (calls[state] ?? 0) + 1;
    if (calls[state] <= i.fail_times) throw named('Pier.Transient', 'not yet');
    return { attempts: calls[state] };
  },
  boom: (i) => { throw named(i.error ?? 'Pier.Boom', 'boom'); },
};

const taskResourceLocalHandlers = {};
const retryIntervalOverrides = {};
(function collect(states) {
  for (const [name, state] of Object.entries(states)) {
    if (state.Type === 'Task') {
      const fn = state.Resource.split(':').pop();
      taskResourceLocalHandlers[name] = async (i) => handlers[fn](i, name);
      if (state.Retry) retryIntervalOverrides[name] = 0;
    }
    if (state.ItemProcessor ?? state.Iterator) collect((state.ItemProcessor ?? state.Iterator).States);
    for (const b of state.Branches ?? []) collect(b.States);
  }
})(definition.States);

const machine = new StateMachine(definition);
try {
  const output = await machine.run(input, { overrides: { taskResourceLocalHandlers, retryIntervalOverrides } }).result;
  console.log(JSON.stringify({ status: 'SUCCEEDED', output }));
} catch (e) {
  const cause = e.cause ?? e;
  console.log(JSON.stringify({ status: 'FAILED', error: cause.name, cause: cause.message }));
}
