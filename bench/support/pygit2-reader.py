# The physical reference for bench/git-reads: the least a server reading git in-process
# through libgit2 does for GET .../tree and GET .../git/branches, with the answers Pagurus
# gives (same fields). No database, no authentication, no templates. It opens the repository
# for each request, as Pagure does. Run under gunicorn:
#   PAGURUS_REFERENCE_REPO=/path/to/repo.git gunicorn -w 2 -b 127.0.0.1:8099 --chdir bench/support pygit2-reader:app
import json
import os

import pygit2

REPO = os.environ["PAGURUS_REFERENCE_REPO"]
BASE = "http://127.0.0.1/api/0/rpms/big"


def tree(repo):
    head = repo.head
    branch = head.shorthand
    commit = repo[head.target]
    entries = sorted(commit.tree, key=lambda e: e.filemode)
    content = []
    for entry in entries:
        kind = "folder" if entry.filemode == pygit2.GIT_FILEMODE_TREE else "file"
        url = f"{BASE}/{'tree' if kind == 'folder' else 'raw'}/{branch}/f/{entry.name}"
        content.append({"type": kind, "name": entry.name, "path": entry.name, "content_url": url})
    return {"type": "folder", "name": None, "content": content}


def branches(repo):
    names = sorted(repo.branches.local)
    return {"total_branches": len(names), "branches": names, "default": repo.head.shorthand}


ROUTES = {"/api/0/rpms/big/tree": tree, "/api/0/rpms/big/git/branches": branches}


def app(environ, start_response):
    handler = ROUTES.get(environ.get("PATH_INFO", ""))
    if handler is None:
        start_response("404 Not Found", [("Content-Type", "application/json")])
        return [b'{"error": "not found"}']
    body = json.dumps(handler(pygit2.Repository(REPO))).encode()
    start_response("200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))])
    return [body]
