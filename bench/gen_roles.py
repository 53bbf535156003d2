#!/usr/bin/env python3
"""Generate a deterministic Ansible tree shaped like debops: many roles that
depend on each other through `meta/main.yml`, and many playbooks of a few plays
each that apply them, so play-level rules follow the same roles again and
again.

  gen_roles.py OUTDIR                       # 400 roles, 300 playbooks
  gen_roles.py OUTDIR --roles 800 --playbooks 600

Layout (as debops has it): `ansible/roles/<role>/{tasks,handlers,defaults,meta}`,
`ansible/playbooks/service/<name>.yml`, `ansible/playbooks/site.yml` importing
them, an inventory in `ansible/inventory/hosts`, an `ansible.cfg` with
`roles_path`. Some roles include task files by a templated name
(`{{ ansible_distribution }}.yml`), some use `include_role`, and a few restart
MicroK8s services (from a handler), so the rules have real work.
"""
import argparse
import os
import random


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w") as f:
        f.write(text)


def task(rng, role, j):
    kind = rng.randrange(6)
    if kind == 0:
        return f"""- name: Install packages for {role} ({j})
  ansible.builtin.package:
    name: '{{{{ {role}__packages }}}}'
    state: present
"""
    if kind == 1:
        return f"""- name: Configure {role} ({j})
  ansible.builtin.template:
    src: 'etc/{role}/{j}.conf.j2'
    dest: '/etc/{role}/{j}.conf'
    mode: '0644'
  notify: [ 'Restart {role}' ]
"""
    if kind == 2:
        return f"""- name: Check {role} state ({j})
  ansible.builtin.command: '{role}ctl status --verbose'
  register: {role}__register_status_{j}
  changed_when: False
  check_mode: False
"""
    if kind == 3:
        return f"""- name: Manage {role} facts ({j})
  ansible.builtin.set_fact:
    {role}__fact_{j}: '{{{{ {role}__default_{j} | d("x") }}}}'
"""
    if kind == 4:
        return f"""- name: Create directories for {role} ({j})
  ansible.builtin.file:
    path: '{{{{ item }}}}'
    state: 'directory'
    mode: '0755'
  loop: [ '/var/lib/{role}', '/etc/{role}' ]
"""
    return f"""- name: Enable {role} ({j})
  ansible.builtin.service:
    name: '{role}'
    enabled: True
  when: {role}__enabled | bool
"""


def role(rng, root, i, n_roles):
    name = f"svc{i:04d}"
    base = f"{root}/ansible/roles/{name}"
    tasks = [task(rng, name, j) for j in range(rng.randint(8, 30))]
    if i % 5 == 0:
        tasks.append(f"""- name: Include the distribution's tasks
  ansible.builtin.include_tasks: '{{{{ ansible_distribution }}}}.yml'
""")
        for distro in ("Debian", "Ubuntu"):
            write(f"{base}/tasks/{distro}.yml", "---\n\n" + "\n".join(task(rng, name, 100 + j) for j in range(4)))
    if i % 7 == 0 and i + 1 < n_roles:
        tasks.append(f"""- name: Apply the helper role
  ansible.builtin.include_role:
    name: 'svc{i + 1:04d}'
    tasks_from: 'main'
""")
    write(f"{base}/tasks/main.yml", "---\n# Copyright (C) generated\n\n" + "\n".join(tasks))
    handlers = f"""---

- name: Restart {name}
  ansible.builtin.service:
    name: '{name}'
    state: 'restarted'
"""
    if i % 40 == 3:
        handlers += """
- name: Restart k8s-dqlite
  ansible.builtin.systemd:
    name: 'snap.microk8s.daemon-k8s-dqlite'
    state: 'restarted'
"""
    write(f"{base}/handlers/main.yml", handlers)
    defaults = "---\n\n" + "".join(f"{name}__default_{j}: 'value-{j}'\n" for j in range(rng.randint(5, 25)))
    defaults += f"{name}__enabled: True\n{name}__packages: [ '{name}' ]\n"
    write(f"{base}/defaults/main.yml", defaults)
    # Dependencies on lower-numbered roles: chains and diamonds, as common
    # helper roles (debops' `global_handlers`, `secret`, `ferm`) are.
    deps = sorted({rng.randrange(i) for _ in range(rng.randint(0, 4))}) if i else []
    deps_text = "".join(f"  - role: svc{d:04d}\n" for d in deps) or "  []\n"
    write(f"{base}/meta/main.yml", f"""---

galaxy_info:
  author: 'Generated'
  description: 'Role {name}'
  license: 'GPL-3.0-only'
  min_ansible_version: '2.10'

dependencies:
{deps_text}""")
    return name


def playbook(rng, root, k, roles):
    plays = []
    for p in range(rng.randint(1, 3)):
        chosen = rng.sample(roles, rng.randint(2, 6))
        entries = "".join(f"\n    - role: {r}\n      tags: [ 'role::{r}' ]\n" for r in chosen)
        plays.append(f"""- name: Manage service {k} part {p}
  collections: [ 'debops.debops' ]
  hosts: [ 'debops_service_{k:04d}' ]
  become: True

  environment: '{{{{ inventory__environment | d({{}})
                   | combine(inventory__group_environment | d({{}}))
                   | combine(inventory__host_environment  | d({{}})) }}}}'

  roles:
{entries}""")
    write(f"{root}/ansible/playbooks/service/svc{k:04d}.yml", "---\n# Copyright (C) generated\n\n" + "\n".join(plays))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("outdir")
    ap.add_argument("--roles", type=int, default=400)
    ap.add_argument("--playbooks", type=int, default=300)
    ap.add_argument("--seed", type=int, default=20261208)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    root = args.outdir
    roles = [role(rng, root, i, args.roles) for i in range(args.roles)]
    for k in range(args.playbooks):
        playbook(rng, root, k, roles)
    write(f"{root}/ansible/playbooks/site.yml", "---\n\n" + "".join(
        f"- import_playbook: service/svc{k:04d}.yml\n" for k in range(args.playbooks)))
    groups = "".join(f"[debops_service_{k:04d}]\nnode[01:03].example.org\n\n" for k in range(args.playbooks))
    write(f"{root}/ansible/inventory/hosts", groups)
    write(f"{root}/ansible.cfg", "[defaults]\nroles_path = ansible/roles\ninventory = ansible/inventory\n")
    files = sum(len(fs) for _, _, fs in os.walk(root))
    print(f"roles: {args.roles} roles, {args.playbooks} playbooks, {files} files in {root}")


if __name__ == "__main__":
    main()
