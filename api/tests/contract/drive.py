"""Drives a real Strongroom server through every operation of its OpenAPI
document with a client generated from that document by openapi-python-client,
used as generated (scripts/client-api). Usage: drive.py BASE_URL

Each step asserts what the server answered, so a document that generates a
client which sends the wrong thing (a JSON array for bytes, a query parameter
in the path, a missing body) fails here.
"""

import io
import json
import zipfile
import sys
import uuid
from http import HTTPStatus

from strongroom_client import AuthenticatedClient, Client
from strongroom_client.api.accounts import (
    change_password,
    delete_me,
    login,
    logout,
    me,
    recover,
    refresh,
    signup,
)
from strongroom_client.api.files import (
    create_download_url,
    download_by_url,
    file_content,
    upload_multipart,
    upload_raw,
)
from strongroom_client.api.folders import create_folder, list_children
from strongroom_client.api.health import healthz, readyz
from strongroom_client.api.nodes import delete_node, get_node, search, update_node
from strongroom_client.api.paths import delete_path, get_path, get_root, put_path
from strongroom_client.api.public import (
    public_children,
    public_entry_content,
    public_entry_download_url,
    public_share,
    public_share_content,
    public_zip,
    public_zip_url,
    zip_by_url,
)
from strongroom_client.api.shares import create_share, list_shares, revoke_share
from strongroom_client.api.trash import empty_trash, list_trash, purge, restore
from strongroom_client.api.versions import (
    delete_version,
    list_versions,
    restore_version,
    version_content,
    version_download_url,
)
from strongroom_client.models import (
    ChangePasswordRequest,
    CreateFolderRequest,
    CreateShareRequest,
    DeleteAccountRequest,
    FolderListing,
    LoginRequest,
    Node,
    NodeKind,
    Problem,
    RecoverRequest,
    RefreshRequest,
    RestoreRequest,
    SignupRequest,
    UpdateNodeRequest,
    UploadForm,
)
from strongroom_client.types import File

BASE = sys.argv[1]
PASSWORD = "generated clients work"
steps = 0


def check(condition, what):
    global steps
    if not condition:
        raise AssertionError(what)
    steps += 1


def expect(response, status, what):
    check(
        response.status_code == status,
        f"{what}: expected {status}, got {response.status_code}: {response.content[:300]!r}",
    )
    return response.parsed


def problem(response, status, code, what):
    parsed = expect(response, status, what)
    check(isinstance(parsed, Problem) and parsed.code == code, f"{what}: problem {code}, got {parsed!r}")


def as_file(data, name):
    return File(payload=io.BytesIO(data), file_name=name, mime_type="application/octet-stream")


public = Client(base_url=BASE)

# Health.
check(expect(healthz.sync_detailed(client=public), HTTPStatus.OK, "healthz").status == "ok", "alive")
check(expect(readyz.sync_detailed(client=public), HTTPStatus.OK, "readyz").status == "ready", "ready")

# Sign up, log in, who am I, refresh.
email = f"client-{uuid.uuid4().hex}@example.com"
created = expect(
    signup.sync_detailed(
        client=public,
        body=SignupRequest(email=email, password=PASSWORD, display_name="Generated"),
    ),
    HTTPStatus.CREATED,
    "sign up",
)
recovery_code = created.recovery_code
check(created.user.email == email, "the new account's email")
problem(
    signup.sync_detailed(client=public, body=SignupRequest(email=email, password=PASSWORD)),
    HTTPStatus.CONFLICT,
    "email_taken",
    "sign up twice",
)
problem(
    signup.sync_detailed(client=public, body=SignupRequest(email="not-an-email", password=PASSWORD)),
    HTTPStatus.BAD_REQUEST,
    "validation_failed",
    "sign up with a bad email",
)
tokens = expect(
    login.sync_detailed(client=public, body=LoginRequest(email=email, password=PASSWORD)),
    HTTPStatus.OK,
    "log in",
)
problem(
    login.sync_detailed(client=public, body=LoginRequest(email=email, password="wrong password")),
    HTTPStatus.UNAUTHORIZED,
    "invalid_credentials",
    "log in with a wrong password",
)
tokens = expect(
    refresh.sync_detailed(client=public, body=RefreshRequest(refresh_token=tokens.refresh_token)),
    HTTPStatus.OK,
    "refresh",
)
client = AuthenticatedClient(base_url=BASE, token=tokens.access_token)
profile = expect(me.sync_detailed(client=client), HTTPStatus.OK, "me")
check(profile.email == email and profile.display_name == "Generated", "me names the account")
problem(
    me.sync_detailed(client=AuthenticatedClient(base_url=BASE, token="not.a.token")),
    HTTPStatus.UNAUTHORIZED,
    "invalid_token",
    "me with a bad token",
)

# Folders: create, list with limit and cursor.
docs = expect(
    create_folder.sync_detailed(client=client, body=CreateFolderRequest(parent_id="root", name="Docs")),
    HTTPStatus.CREATED,
    "create folder",
)
check(docs.kind == NodeKind.FOLDER and docs.name == "Docs", "the folder")
for name in ["a", "b", "c"]:
    expect(
        create_folder.sync_detailed(client=client, body=CreateFolderRequest(parent_id=str(docs.id), name=name)),
        HTTPStatus.CREATED,
        f"create folder {name}",
    )
first = expect(list_children.sync_detailed(str(docs.id), client=client, limit=2), HTTPStatus.OK, "list page 1")
check([n.name for n in first.items] == ["a", "b"] and isinstance(first.next_cursor, str), "page 1")
second = expect(
    list_children.sync_detailed(str(docs.id), client=client, limit=2, cursor=first.next_cursor),
    HTTPStatus.OK,
    "list page 2",
)
check([n.name for n in second.items] == ["c"] and not isinstance(second.next_cursor, str), "page 2")
problem(
    list_children.sync_detailed(str(docs.id), client=client, limit=0),
    HTTPStatus.BAD_REQUEST,
    "invalid_limit",
    "list with limit 0",
)

# Uploads: raw, multipart, by path with parents.
payload = bytes(range(256)) * 1000 + b"tail"
report = expect(
    upload_raw.sync_detailed(str(docs.id), "report.bin", client=client, body=as_file(payload, "report.bin")),
    HTTPStatus.CREATED,
    "upload raw",
)
check(report.size == len(payload) and report.kind == NodeKind.FILE, "the uploaded file")
problem(
    upload_raw.sync_detailed(str(docs.id), "report.bin", client=client, body=as_file(b"x", "report.bin")),
    HTTPStatus.CONFLICT,
    "name_taken",
    "upload over a taken name",
)
replaced = expect(
    upload_raw.sync_detailed(
        str(docs.id), "report.bin", client=client, body=as_file(payload, "report.bin"), overwrite=True
    ),
    HTTPStatus.OK,
    "overwrite",
)
check(replaced.id == report.id, "an overwrite keeps the id")
empty = expect(
    upload_raw.sync_detailed(str(docs.id), "empty.txt", client=client),
    HTTPStatus.CREATED,
    "upload with no body",
)
check(empty.size == 0, "no body is an empty file")
form = expect(
    upload_multipart.sync_detailed(
        "root",
        client=client,
        body=UploadForm(file=[as_file(b"one", "one.txt"), as_file(b"two!", "two.txt")]),
    ),
    HTTPStatus.CREATED,
    "upload multipart",
)
check([(n.name, n.size) for n in form] == [("one.txt", 3), ("two.txt", 4)], "the form's files")
deep = expect(
    put_path.sync_detailed("x/y/z/deep.txt", client=client, body=as_file(b"deep", "deep.txt"), parents=True),
    HTTPStatus.CREATED,
    "put by path with parents",
)
problem(
    put_path.sync_detailed("nowhere/file.txt", client=client, body=as_file(b"-", "file.txt")),
    HTTPStatus.NOT_FOUND,
    "not_found",
    "put by path without parents",
)

# Downloads: whole, ranged, by path, by download URL.
whole = file_content.sync_detailed(str(report.id), client=client)
check(whole.status_code == HTTPStatus.OK and whole.content == payload, "download whole")
# (`with_headers` would also change the client it is called on.)
ranging = AuthenticatedClient(base_url=BASE, token=tokens.access_token, headers={"Range": "bytes=1000-1999"})
ranged = file_content.sync_detailed(str(report.id), client=ranging)
check(ranged.status_code == HTTPStatus.PARTIAL_CONTENT and ranged.content == payload[1000:2000], "download a range")
by_path = get_path.sync_detailed("x/y/z/deep.txt", client=client)
check(by_path.status_code == HTTPStatus.OK and by_path.content == b"deep", f"download by path: {by_path.status_code} {by_path.content[:200]!r}")
folder_by_path = get_path.sync_detailed("x/y", client=client)
check(folder_by_path.status_code == HTTPStatus.OK, "list by path")
listing = FolderListing.from_dict(json.loads(folder_by_path.content))
check([n.name for n in listing.items] == ["z"], "the folder at x/y")
root = expect(get_root.sync_detailed(client=client, limit=10), HTTPStatus.OK, "list the root")
check(sorted(n.name for n in root.items) == ["Docs", "one.txt", "two.txt", "x"], "the root's items")
link = expect(create_download_url.sync_detailed(str(report.id), client=client), HTTPStatus.OK, "download URL")
token = link.url.rsplit("/", 1)[1]
fetched = download_by_url.sync_detailed(token, client=public)
check(fetched.status_code == HTTPStatus.OK and fetched.content == payload, "download by URL")

# Share links: one with a password and a limit, opened without an account, listed, revoked.
share = expect(
    create_share.sync_detailed(
        str(report.id), client=client, body=CreateShareRequest(password="open sesame", max_downloads=2)
    ),
    HTTPStatus.CREATED,
    "share a file",
)
check(share.token and share.url == "/s/" + share.token and share.has_password, "the share's token, once")
problem(
    public_share.sync_detailed(share.token, client=public),
    HTTPStatus.UNAUTHORIZED,
    "share_password_required",
    "the link needs its password",
)
about = expect(
    public_share.sync_detailed(share.token, client=public, x_share_password="open sesame"),
    HTTPStatus.OK,
    "what the link opens",
)
check(about.name == "report.bin" and about.size == len(payload) and about.downloads_left == 2, "the shared file")
fetched = public_share_content.sync_detailed(share.token, client=public, x_share_password="open sesame")
check(fetched.status_code == HTTPStatus.OK and fetched.content == payload, "download through the link")
shares = expect(list_shares.sync_detailed(client=client), HTTPStatus.OK, "list shares")
check([s.id for s in shares.items] == [share.id] and shares.items[0].downloads == 1, "the caller's shares")
check(revoke_share.sync_detailed(str(share.id), client=client).status_code == HTTPStatus.NO_CONTENT, "revoke")
problem(
    public_share.sync_detailed(share.token, client=public, x_share_password="open sesame"),
    HTTPStatus.NOT_FOUND,
    "share_not_found",
    "revoked",
)

# A folder share: browsed, one file, a one-minute URL, the zip, revoked.
folder_share = expect(
    create_share.sync_detailed(str(docs.id), client=client, body=CreateShareRequest()),
    HTTPStatus.CREATED,
    "share a folder",
)
shared = expect(public_children.sync_detailed(folder_share.token, client=public), HTTPStatus.OK, "browse it")
check(
    shared.breadcrumbs == ["Docs"] and [e.name for e in shared.items] == ["a", "b", "c", "empty.txt", "report.bin"],
    "the shared folder's entries",
)
inner = expect(public_children.sync_detailed(folder_share.token, client=public, path="a"), HTTPStatus.OK, "a subfolder")
check(inner.breadcrumbs == ["Docs", "a"] and inner.items == [], "the subfolder")
entry = next(e for e in shared.items if e.name == "report.bin")
got = public_entry_content.sync_detailed(folder_share.token, str(entry.id), client=public)
check(got.status_code == HTTPStatus.OK and got.content == payload, "one file of the shared folder")
entry_url = expect(
    public_entry_download_url.sync_detailed(folder_share.token, str(entry.id), client=public),
    HTTPStatus.OK,
    "a URL for one file of it",
)
followed = download_by_url.sync_detailed(entry_url.url.rsplit("/", 1)[1], client=public)
check(followed.status_code == HTTPStatus.OK and followed.content == payload, "that URL")
zipped = public_zip.sync_detailed(folder_share.token, client=public)
check(zipped.status_code == HTTPStatus.OK, "the folder as a zip")
archive = zipfile.ZipFile(io.BytesIO(zipped.content))
check(archive.testzip() is None and archive.read("report.bin") == payload, "the zip's report.bin")
check(sorted(archive.namelist()) == ["a/", "b/", "c/", "empty.txt", "report.bin"], "the zip's names")
zip_url = expect(public_zip_url.sync_detailed(folder_share.token, client=public), HTTPStatus.OK, "a zip URL")
by_url = zip_by_url.sync_detailed(zip_url.url.rsplit("/", 1)[1], client=public)
check(by_url.status_code == HTTPStatus.OK, "the zip by its URL")
check(zipfile.ZipFile(io.BytesIO(by_url.content)).read("report.bin") == payload, "that zip's report.bin")
check(revoke_share.sync_detailed(str(folder_share.id), client=client).status_code == HTTPStatus.NO_CONTENT, "revoke it")

# Versions: report.bin was overwritten once above, with the bytes it had.
first = expect(
    upload_raw.sync_detailed(
        str(docs.id), "report.bin", client=client, body=as_file(b"second content", "report.bin"), overwrite=True
    ),
    HTTPStatus.OK,
    "overwrite again",
)
versions = expect(list_versions.sync_detailed(str(report.id), client=client), HTTPStatus.OK, "list versions")
check([v.size for v in versions.items] == [len(payload), len(payload)], "two versions, newest first")
newest = versions.items[0]
old_bytes = version_content.sync_detailed(str(report.id), str(newest.id), client=client)
check(old_bytes.status_code == HTTPStatus.OK and old_bytes.content == payload, "a version's bytes")
version_url = expect(
    version_download_url.sync_detailed(str(report.id), str(newest.id), client=client), HTTPStatus.OK, "a version's URL"
)
by_version_url = download_by_url.sync_detailed(version_url.url.rsplit("/", 1)[1], client=public)
check(by_version_url.status_code == HTTPStatus.OK and by_version_url.content == payload, "that URL")
restored_version = expect(
    restore_version.sync_detailed(str(report.id), str(newest.id), client=client), HTTPStatus.OK, "restore a version"
)
check(restored_version.size == len(payload), "the file has the version's content")
versions = expect(list_versions.sync_detailed(str(report.id), client=client), HTTPStatus.OK, "list versions again")
check(versions.items[0].size == len(b"second content"), "the replaced content is the newest version")
check(
    delete_version.sync_detailed(str(report.id), str(versions.items[0].id), client=client).status_code
    == HTTPStatus.NO_CONTENT,
    "delete a version",
)
problem(
    version_content.sync_detailed(str(report.id), str(versions.items[0].id), client=client),
    HTTPStatus.NOT_FOUND,
    "version_not_found",
    "a deleted version is gone",
)

# Nodes: get, rename, move, search, delete.
got = expect(get_node.sync_detailed(str(report.id), client=client), HTTPStatus.OK, "get node")
check(got.name == "report.bin", "the node")
renamed = expect(
    update_node.sync_detailed(str(report.id), client=client, body=UpdateNodeRequest(name="final report.bin")),
    HTTPStatus.OK,
    "rename",
)
check(renamed.name == "final report.bin", "renamed")
moved = expect(
    update_node.sync_detailed(str(report.id), client=client, body=UpdateNodeRequest(parent_id="root")),
    HTTPStatus.OK,
    "move",
)
check(moved.parent_id == profile.id, "moved to the root")
hits = expect(search.sync_detailed(client=client, q="REPORT"), HTTPStatus.OK, "search")
check([n.name for n in hits.items] == ["final report.bin"], "search finds the file")
check(delete_node.sync_detailed(str(docs.id), client=client).status_code == HTTPStatus.NO_CONTENT, "delete node")
problem(get_node.sync_detailed(str(docs.id), client=client), HTTPStatus.NOT_FOUND, "not_found", "deleted is gone")
check(delete_path.sync_detailed("x", client=client).status_code == HTTPStatus.NO_CONTENT, "delete by path")
problem(get_path.sync_detailed("x/y", client=client), HTTPStatus.NOT_FOUND, "not_found", "deleted path is gone")

# The trash: both deletions are there, newest first; restore, purge, empty.
trash = expect(list_trash.sync_detailed(client=client), HTTPStatus.OK, "the trash")
check(sorted(item.name for item in trash.items) == ["Docs", "x"], "both deletions in the trash")
x_item = next(item for item in trash.items if item.name == "x")
check(trash.retention_days == 30, "how long it keeps things")
back = expect(
    restore.sync_detailed(str(docs.id), client=client, body=RestoreRequest()), HTTPStatus.OK, "restore from the trash"
)
check(back.id == docs.id and back.name == "Docs", "restored where it was")
check(get_node.sync_detailed(str(docs.id), client=client).status_code == HTTPStatus.OK, "restored is back")
check(purge.sync_detailed(str(x_item.id), client=client).status_code == HTTPStatus.NO_CONTENT, "purge one")
check(delete_node.sync_detailed(str(docs.id), client=client).status_code == HTTPStatus.NO_CONTENT, "delete again")
check(empty_trash.sync_detailed(client=client).status_code == HTTPStatus.NO_CONTENT, "empty the trash")
check(expect(list_trash.sync_detailed(client=client), HTTPStatus.OK, "the trash").items == [], "the trash is empty")
problem(
    restore.sync_detailed(str(docs.id), client=client, body=RestoreRequest()),
    HTTPStatus.NOT_FOUND,
    "not_found",
    "purged is gone for good",
)

# Password change, recovery, log out, account deletion.
problem(
    change_password.sync_detailed(
        client=client,
        body=ChangePasswordRequest(current_password="wrong password", new_password="another long one"),
    ),
    HTTPStatus.FORBIDDEN,
    "wrong_password",
    "change password with the wrong one",
)
check(
    change_password.sync_detailed(
        client=client,
        body=ChangePasswordRequest(current_password=PASSWORD, new_password="a changed password"),
    ).status_code
    == HTTPStatus.NO_CONTENT,
    "change password",
)
recovered = expect(
    recover.sync_detailed(
        client=public,
        body=RecoverRequest(email=email, recovery_code=recovery_code, new_password="a recovered password"),
    ),
    HTTPStatus.OK,
    "recover",
)
check(recovered.recovery_code != recovery_code, "a new recovery code")
tokens = expect(
    login.sync_detailed(client=public, body=LoginRequest(email=email, password="a recovered password")),
    HTTPStatus.OK,
    "log in after recovery",
)
client = AuthenticatedClient(base_url=BASE, token=tokens.access_token)
check(logout.sync_detailed(client=client).status_code == HTTPStatus.NO_CONTENT, "log out")
problem(me.sync_detailed(client=client), HTTPStatus.UNAUTHORIZED, "session_ended", "logged out")
tokens = expect(
    login.sync_detailed(client=public, body=LoginRequest(email=email, password="a recovered password")),
    HTTPStatus.OK,
    "log in again",
)
client = AuthenticatedClient(base_url=BASE, token=tokens.access_token)
problem(
    delete_me.sync_detailed(client=client, body=DeleteAccountRequest(password="wrong password")),
    HTTPStatus.FORBIDDEN,
    "wrong_password",
    "delete with the wrong password",
)
check(
    delete_me.sync_detailed(client=client, body=DeleteAccountRequest(password="a recovered password")).status_code
    == HTTPStatus.NO_CONTENT,
    "delete the account",
)
problem(
    login.sync_detailed(client=public, body=LoginRequest(email=email, password="a recovered password")),
    HTTPStatus.UNAUTHORIZED,
    "invalid_credentials",
    "the account is gone",
)

print(f"drive.py: every operation worked through the generated client ({steps} checks)")
