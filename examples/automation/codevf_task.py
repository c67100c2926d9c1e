#!/usr/bin/env python3
"""codevf_task.py: opens a CodeVF task from a script and stays in it until the session ends.

Standard library only. Speaks newline-delimited JSON-RPC to codevf-agent over pipes. Engineer messages go
to stdout; each line on stdin is sent to the engineer; command requests are answered from a policy file
(exact command strings allowed, everything else denied). Method names come from schemas/methods.json.
"""
import argparse
import json
import os
import queue
import re
import shlex
import subprocess
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_METHODS = os.path.join(HERE, '..', '..', 'schemas', 'methods.json')
# Shell syntax that chains, substitutes or redirects: never allowed, whatever the policy lists.
CHAINING = re.compile(r'[;&|`<>()\r\n]|\$[({]')


def die(msg):
    """Prints an error on stderr and exits 1."""
    print(f'codevf-task: {msg}', file=sys.stderr)
    sys.exit(1)


class Methods:
    """Wire names looked up by their generated type names in schemas/methods.json."""

    def __init__(self, path):
        try:
            with open(path, encoding='utf-8') as f:
                table = json.load(f)['methods']
        except (OSError, ValueError, KeyError) as err:
            die(f'cannot read the method table {path}: {err} (set CODEVF_METHODS)')
        self.by_type = {entry['typeName']: name for name, entry in table.items()}

    def __getitem__(self, type_name):
        if type_name not in self.by_type:
            die(f'the method table has no {type_name}')
        return self.by_type[type_name]


class Policy:
    """Exact command strings from the policy file; the project root unless an entry names a subfolder."""

    def __init__(self, path, root):
        try:
            with open(path, encoding='utf-8') as f:
                data = json.load(f)
        except (OSError, ValueError) as err:
            die(f'cannot read the policy file {path}: {err}')
        if not isinstance(data, dict) or data.get('version') != 1 or not isinstance(data.get('allowCommands', []), list):
            die(f'invalid policy file {path}: expected {{"version": 1, "allowCommands": [...]}}')
        self.allowed = set()
        for entry in data.get('allowCommands', []):
            if isinstance(entry, str):
                self.allowed.add((entry, root))
            elif isinstance(entry, dict):
                self.allowed.add((entry.get('command'), os.path.join(root, entry.get('cwd', ''))))

    def allows(self, command, cwd):
        return not CHAINING.search(command) and (command, cwd.rstrip('/')) in self.allowed


class Agent:
    """The agent process: a reader thread routes responses to waiters and notifications to a queue."""

    def __init__(self, cmd):
        self.proc = subprocess.Popen(cmd + ['--framing', 'ndjson'], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     text=True, encoding='utf-8', bufsize=1)
        self.lock = threading.Lock()
        self.next_id = 0
        self.waiting = {}
        self.notes = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self):
        for line in self.proc.stdout:
            msg = json.loads(line)
            if 'method' in msg:
                self.notes.put(msg)
            elif msg.get('id') in self.waiting:
                self.waiting.pop(msg['id']).put(msg)
            elif 'error' in msg:
                print(f"codevf-task: {json.dumps(msg['error'])}", file=sys.stderr)
        self.notes.put(None)  # the agent exited

    def send(self, msg):
        with self.lock:
            self.proc.stdin.write(json.dumps(msg) + '\n')
            self.proc.stdin.flush()

    def request(self, method, params, wait=True):
        """Sends a request; with wait, returns its result (or exits on an error)."""
        with self.lock:
            self.next_id += 1
            rid = self.next_id
        box = queue.Queue()
        if wait:  # unawaited replies fall through to the reader, which reports errors
            self.waiting[rid] = box
        self.send({'jsonrpc': '2.0', 'id': rid, 'method': method, 'params': params})
        if not wait:
            return None
        reply = box.get(timeout=120)
        if 'error' in reply:
            die(f"{method} failed: {json.dumps(reply['error'])}")
        return reply['result']

    def notify(self, method):
        self.send({'jsonrpc': '2.0', 'method': method, 'params': {}})


def forward_stdin(agent, m, task_id):
    """Each line on stdin becomes a message to the engineer."""
    for line in sys.stdin:
        text = line.rstrip('\n')
        if text:
            agent.request(m['SendMessage'], {'taskId': task_id, 'text': text}, wait=False)


def handle(agent, m, policy, note):
    """Acts on one notification; returns False when the session has ended."""
    method, p = note['method'], note.get('params', {})
    if method == m['EngineerMessage']:
        print(f"engineer: {p['text']}", flush=True)
    elif method == m['EngineerConnected']:
        print(f"engineer {p['engineer']['name']} connected", flush=True)
    elif method == m['RequestCommand']:
        decision = 'allow' if policy.allows(p['command'], p['workingDirectory']) else 'deny'
        print(f"request {p['requestId']}: {p['command']} -> {decision}", flush=True)
        agent.request(m['ApproveCommand'], {'requestId': p['requestId'], 'decision': decision}, wait=False)
    elif method == m['RequestFile']:
        print(f"request {p['requestId']}: file {p['path']} -> deny", flush=True)
        agent.request(m['UploadFile'], {'requestId': p['requestId'], 'decision': 'deny'}, wait=False)
    elif method == m['CommandFinished']:
        print(f"command {p['requestId']} finished: exit {p['exitCode']}", flush=True)
    elif method == m['SessionEnd']:
        print(f"session ended: {p['minutes']} minutes, {p['creditsUsed']} credits", flush=True)
        return False
    return True


def main():
    ap = argparse.ArgumentParser(description='Open a CodeVF task and stay in it until the session ends.')
    ap.add_argument('--policy', required=True, help='JSON policy: {"version": 1, "allowCommands": [...]}')
    ap.add_argument('--agent', default=os.environ.get('CODEVF_AGENT', 'codevf-agent'), help='the agent command line')
    ap.add_argument('--methods', default=os.environ.get('CODEVF_METHODS', DEFAULT_METHODS), help='schemas/methods.json')
    ap.add_argument('description', help='the issue, in your words')
    args = ap.parse_args()
    m = Methods(args.methods)
    policy = Policy(args.policy, os.path.realpath(os.getcwd()))
    agent = Agent(shlex.split(args.agent))
    agent.request(m['Initialize'], {'clientInfo': {'name': 'codevf_task.py', 'version': '1'}, 'capabilities': {'approvals': True}})
    task_id = agent.request(m['CreateTask'], {'description': args.description})['taskId']
    print(f'task {task_id}', flush=True)
    threading.Thread(target=forward_stdin, args=(agent, m, task_id), daemon=True).start()
    while True:
        note = agent.notes.get()
        if note is None:
            die('the agent exited before the session ended')
        if not handle(agent, m, policy, note):
            break
    agent.request(m['Shutdown'], {})
    agent.notify(m['Exit'])
    agent.proc.wait(timeout=10)


if __name__ == '__main__':
    main()
