// Shared helper of the SDK tests: starts `midstream fakes` and `midstream router` as child
// processes on port 0, parses the URLs they print, talks to the fakes' admin API, loads the
// pinned SDKs, and makes every client loopback-only. Every child is bounded: a ready timeout,
// a maximum lifetime (coreutils `timeout` where present) and stop() in the tests' after() hooks.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));

// fakes/provider_config.h kDefaultAnswer: the text every fake answers unless told otherwise.
export const ANSWER =
  'The quick brown fox jumps over the lazy dog while the careful router keeps every word of ' +
  'the answer exactly once, in order.';

// A dummy key: the fakes and the router never check it, and no request leaves 127.0.0.1.
export const DUMMY_KEY = 'sk-midstream-dummy';

const READY_TIMEOUT_MS = 10_000;
const STOP_TIMEOUT_MS = 3_000;
const MAX_LIFETIME_S = 120;  // a child outlives a crashed test file by at most this

// ---------------------------------------------------------------------------------------------
// The binary and the SDKs

export function midstreamBinary() {
  const fromEnv = process.env.MIDSTREAM_BINARY;
  if (fromEnv) {
    if (!existsSync(fromEnv)) throw new Error(`MIDSTREAM_BINARY=${fromEnv} does not exist`);
    return fromEnv;
  }
  const guess = path.resolve(here, '../../build/cli/midstream');
  if (existsSync(guess)) return guess;
  throw new Error('set MIDSTREAM_BINARY to the midstream executable (ctest sets it), ' +
                  `or build ${guess}`);
}

// Where the pinned packages were installed. ctest installs them under the build tree and sets
// MIDSTREAM_SDK_NODE_MODULES; by hand, `npm ci` in tests/sdk puts them beside this file.
// (NODE_PATH does not apply to ES module imports, so the path is resolved here.)
function nodeModulesDir() {
  return process.env.MIDSTREAM_SDK_NODE_MODULES || path.join(here, 'node_modules');
}

function esmEntry(exportsField) {
  if (typeof exportsField === 'string') return exportsField;
  if (!exportsField || typeof exportsField !== 'object') return null;
  for (const condition of ['import', 'node', 'default']) {
    const found = esmEntry(exportsField[condition]);
    if (found) return found;
  }
  return null;
}

// Imports the ES module build of an installed package and checks it is the version pinned in
// package.json, so a stale node_modules is noticed instead of tested.
export async function importSdk(name) {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 20) {
    throw new Error(`Node.js ${process.versions.node}: the pinned openai and @anthropic-ai/sdk ` +
                    'support Node.js 20 or later only');
  }
  const dir = path.join(nodeModulesDir(), ...name.split('/'));
  const manifestPath = path.join(dir, 'package.json');
  if (!existsSync(manifestPath)) {
    throw new Error(`${name} is not installed in ${nodeModulesDir()}: run the sdk_npm_ci ctest ` +
                    'test, or `npm ci` in tests/sdk');
  }
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
  const pinned = JSON.parse(readFileSync(path.join(here, 'package.json'), 'utf8')).dependencies[name];
  if (manifest.version !== pinned) {
    throw new Error(`${name} ${manifest.version} is installed but package.json pins ${pinned}: ` +
                    're-run the sdk_npm_ci test');
  }
  const entry = esmEntry(manifest.exports?.['.']) ?? manifest.module ?? manifest.main;
  const module = await import(pathToFileURL(path.join(dir, entry)).href);
  return { module, version: manifest.version };
}

// A fetch for the SDK clients that refuses anything but 127.0.0.1, so a mistake in a base URL
// can never send a request to a public host. It also asks for `Connection: close`: an idle
// keep-alive connection left in fetch's pool holds the router's cpp-httplib worker for its
// keep-alive timeout (seconds) when the router is stopped, which would slow every after() hook.
export function loopbackFetch(input, init = {}) {
  const url = new URL(typeof input === 'string' ? input : input.url ?? String(input));
  if (url.hostname !== '127.0.0.1') {
    return Promise.reject(new Error(`refusing a request to ${url.origin}: tests stay on 127.0.0.1`));
  }
  const headers = new Headers(init.headers);
  headers.set('connection', 'close');
  return fetch(input, { ...init, headers });
}

// loopbackFetch that also keeps the bytes of the last response body it returned, so a failing
// test can quote exactly what the SDK was given.
export function recordingFetch() {
  let chunks = [];
  const recorder = async (input, init) => {
    const response = await loopbackFetch(input, init);
    chunks = [];
    if (!response.body) return response;
    const [mine, theirs] = response.body.tee();
    (async () => {
      try {
        for await (const chunk of mine) chunks.push(Buffer.from(chunk));
      } catch { /* the SDK's branch reports the failure */ }
    })();
    return new Response(theirs, response);
  };
  recorder.body = () => Buffer.concat(chunks).toString('utf8');
  recorder.tail = (n = 400) => JSON.stringify(recorder.body().slice(-n));
  return recorder;
}

// ---------------------------------------------------------------------------------------------
// Child processes

// coreutils `timeout` runs the command in a process group of its own, so a child is signalled
// as a group: SIGKILL then reaches midstream too, not only the `timeout` wrapper.
function signalTree(proc, signal) {
  try {
    process.kill(-proc.pid, signal);
  } catch {
    try { proc.kill(signal); } catch { /* already gone */ }
  }
}

const live = new Set();
process.on('exit', () => {
  for (const proc of live) signalTree(proc, 'SIGKILL');
});

function hasTimeoutCommand() {
  return existsSync('/usr/bin/timeout') || existsSync('/bin/timeout');
}

class Child {
  constructor(label, args) {
    this.label = label;
    this.stdout = '';
    this.stderr = '';
    const binary = midstreamBinary();
    const [cmd, argv] = hasTimeoutCommand()
      ? ['timeout', ['-k', '5', String(MAX_LIFETIME_S), binary, ...args]]
      : [binary, args];
    this.proc = spawn(cmd, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.proc);
    this.exited = new Promise((resolve) => {
      const done = (exit) => {
        live.delete(this.proc);
        this.exit ??= exit;
        resolve(this.exit);
      };
      this.proc.on('exit', (code, signal) => done({ code, signal }));
      this.proc.on('error', (error) => done({ error: error.message }));  // could not spawn
    });
    this.proc.stderr.setEncoding('utf8');
    this.proc.stderr.on('data', (chunk) => { this.stderr += chunk; });
    this.lines = createInterface({ input: this.proc.stdout });
  }

  // Resolves with the collected stdout lines once `isDone(lines)` holds; rejects on exit or
  // after READY_TIMEOUT_MS, with what the child printed.
  waitFor(isDone) {
    return new Promise((resolve, reject) => {
      const lines = [];
      const fail = (why) => {
        clearTimeout(timer);
        reject(new Error(`${this.label}: ${why}\nstdout:\n${lines.join('\n')}\nstderr:\n${this.stderr}`));
      };
      const timer = setTimeout(() => fail(`not ready within ${READY_TIMEOUT_MS} ms`), READY_TIMEOUT_MS);
      this.lines.on('line', (line) => {
        lines.push(line);
        this.stdout += `${line}\n`;
        if (isDone(lines)) {
          clearTimeout(timer);
          resolve(lines);
        }
      });
      this.exited.then((exit) => fail(`exited early (${JSON.stringify(exit)})`));
    });
  }

  async stop() {
    if (this.exit) return this.exit;
    signalTree(this.proc, 'SIGTERM');
    const timer = setTimeout(() => signalTree(this.proc, 'SIGKILL'), STOP_TIMEOUT_MS);
    const exit = await this.exited;
    clearTimeout(timer);
    return exit;
  }
}

function writeConfig(prefix, json) {
  const dir = mkdtempSync(path.join(tmpdir(), `midstream-sdk-${prefix}-`));
  const file = path.join(dir, 'config.json');
  writeFileSync(file, JSON.stringify(json, null, 2));
  return { dir, file };
}

function spawnOrClean(config, label, args) {
  try {
    return new Child(label, args);
  } catch (e) {
    rmSync(config.dir, { recursive: true, force: true });
    throw e;
  }
}

function loopbackUrl(url, what) {
  if (new URL(url).hostname !== '127.0.0.1') throw new Error(`${what} is not on 127.0.0.1: ${url}`);
  return url;
}

// ---------------------------------------------------------------------------------------------
// Fakes

const FAKE_LINE = /^fake (\S+) \((\S+)\) at (http:\/\/\S+)$/;
const ADMIN_LINE = /^admin API at (http:\/\/\S+)$/;

export class Fakes {
  // providers: {"NAME": {"dialect": ..., "script": [...], ...}} as `midstream fakes --help` says.
  static async start(providers) {
    const config = writeConfig('fakes', { providers });
    const fakes = new Fakes(spawnOrClean(config, 'midstream fakes', ['fakes', '--config', config.file]),
                            config.dir);
    try {
      const lines = await fakes.child.waitFor((ls) => ls.some((l) => ADMIN_LINE.test(l)));
      for (const line of lines) {
        const fake = FAKE_LINE.exec(line);
        if (fake) {
          fakes.providers[fake[1]] = { dialect: fake[2], baseURL: loopbackUrl(fake[3], fake[1]) };
        }
        const admin = ADMIN_LINE.exec(line);
        if (admin) fakes.adminURL = loopbackUrl(admin[1], 'admin API');
      }
      for (const name of Object.keys(providers)) {
        if (!fakes.providers[name]) throw new Error(`midstream fakes printed no URL for ${name}`);
      }
    } catch (e) {
      await fakes.stop();
      throw e;
    }
    return fakes;
  }

  constructor(child, dir) {
    this.child = child;
    this.dir = dir;
    this.providers = {};
    this.adminURL = null;
  }

  // A fake's base URL ("http://127.0.0.1:PORT/v1") and its origin (the Anthropic SDK appends
  // /v1/messages itself).
  baseURL(name) { return this.providers[name].baseURL; }
  origin(name) { return new URL(this.providers[name].baseURL).origin; }

  async #admin(method, pathname, body) {
    const res = await loopbackFetch(`${this.adminURL}/${pathname}`, {
      method,
      headers: body ? { 'content-type': 'application/json' } : {},
      body: body ? JSON.stringify(body) : undefined,
      signal: AbortSignal.timeout(5_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`admin ${method} ${pathname}: ${res.status} ${text}`);
    return text ? JSON.parse(text) : null;
  }

  // Replaces a fake's script (its request counter starts again) and clears its journal.
  async script(name, script, then = 'ok') {
    await this.#admin('PUT', `${name}/script`, { script, then });
    await this.#admin('DELETE', `${name}/journal`);
  }

  journal(name) { return this.#admin('GET', `${name}/journal`); }

  async stop() {
    await this.child.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Router

const ROUTER_LINE = /^midstream router listening on (http:\/\/\S+)$/;

export class Router {
  // config: LiteLLM-shaped (`midstream router --help`).
  static async start(config, { defects = [] } = {}) {
    const file = writeConfig('router', config);
    const args = ['router', '--config', file.file, '--port', '0'];
    for (const defect of defects) args.push('--defect', defect);
    const router = new Router(spawnOrClean(file, 'midstream router', args), file.dir);
    try {
      const lines = await router.child.waitFor((ls) => ls.some((l) => ROUTER_LINE.test(l)));
      const url = lines.map((l) => ROUTER_LINE.exec(l)).find(Boolean)[1];
      router.url = loopbackUrl(url, 'router');
    } catch (e) {
      await router.stop();
      throw e;
    }
    return router;
  }

  constructor(child, dir) {
    this.child = child;
    this.dir = dir;
    this.url = null;
  }

  // What an OpenAI client's baseURL must be: the router serves /v1/chat/completions and /v1/responses.
  get baseURL() { return `${this.url}/v1`; }

  async stop() {
    await this.child.stop();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// Expectations computed from the fakes' journals, never from the router

// The usage the router reports under its default `billed` policy: the sum of the last usage each
// attempt reported (SPEC section 5.5). Attempts that died before reporting usage add nothing.
export function billedUsage(...journals) {
  let input = 0;
  let output = 0;
  for (const entry of journals.flat()) {
    if (entry.usage_sent) {
      input += entry.usage_sent.input_tokens;
      output += entry.usage_sent.output_tokens;
    }
  }
  return { input, output };
}

export const RESET_AFTER_3 = { at: 'after_deltas', n: 3, action: 'reset' };
