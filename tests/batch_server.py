"""A local server of OpenAI's Batch API (`/v1/files`, `/v1/batches`), for the batch path.

It takes the uploaded JSONL, answers every line as the fault server would (written by us, and
marked so), and reports the batch `in_progress` for a few polls before `completed`. Chosen lines
fail (`server_error`) or expire (`batch_expired`) and go to the error file, as OpenAI documents
(platform.openai.com/docs/guides/batch). It also answers live chat completions, for re-asks and
for the lines the batch did not answer.
"""

from __future__ import annotations

import json
import threading
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

from .fault_server import tool_completion, valid_answer
from .loopback import AUTHORED_HEADER, LoopbackServer, QuietHandler, send_json

HEADERS = {AUTHORED_HEADER: "tests/batch_server.py"}


def misquoted(arguments: str) -> str:
    """The answer with its first quote replaced by words no article has."""
    answer = json.loads(arguments)
    answer["consequences"][0]["citations"][0]["quote"] = "words that appear in no article at all"
    return json.dumps(answer)


class BatchServer(LoopbackServer):
    def __init__(
        self, *, fail_every: int = 0, expire_every: int = 0, polls: int = 2, misquote_every: int = 0
    ) -> None:
        # Every so many first requests are answered with a quote no article has: the answer
        # fails verification and the story is re-asked (re-asks are answered correctly).
        self.misquote_every = misquote_every
        self.files: dict[str, bytes] = {}
        self.batches: dict[str, dict[str, Any]] = {}
        self.live_requests: list[dict[str, Any]] = []
        self.polls: dict[str, int] = {}
        self._lock = threading.Lock()
        server = self

        class Handler(QuietHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers.get("content-length", 0)))
                if self.path.endswith("/files"):
                    send_json(self, 200, server._upload(self.headers["content-type"], raw), HEADERS)
                elif self.path.endswith("/batches"):
                    send_json(
                        self,
                        200,
                        server._create(json.loads(raw), fail_every, expire_every),
                        HEADERS,
                    )
                elif self.path.endswith("/chat/completions"):
                    request = json.loads(raw)
                    with server._lock:
                        server.live_requests.append(request)
                    send_json(
                        self,
                        200,
                        tool_completion(request, valid_answer(request), "tool_calls"),
                        HEADERS,
                    )
                else:
                    send_json(self, 404, {"error": {"message": "no such path"}}, HEADERS)

            def do_GET(self) -> None:
                if "/files/" in self.path and self.path.endswith("/content"):
                    data = server.files[self.path.split("/")[-2]]
                    self.send_response(200)
                    self.send_header("content-type", "application/octet-stream")
                    self.send_header("content-length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                elif "/batches/" in self.path:
                    send_json(self, 200, server._retrieve(self.path.split("/")[-1], polls), HEADERS)
                else:
                    send_json(self, 404, {"error": {"message": "no such path"}}, HEADERS)

        super().__init__(Handler)

    def _upload(self, content_type: str, raw: bytes) -> dict[str, Any]:
        message = BytesParser(policy=HTTP).parsebytes(
            f"content-type: {content_type}\r\n\r\n".encode() + raw
        )
        data = next(p.get_payload(decode=True) for p in message.iter_parts() if p.get_filename())
        with self._lock:
            file_id = f"file-{len(self.files) + 1}"
            self.files[file_id] = data
        return {"id": file_id, "object": "file", "bytes": len(data), "created_at": 1763424000,
                "filename": "batch.jsonl", "purpose": "batch", "status": "processed"}  # fmt: skip

    def _create(self, body: dict[str, Any], fail_every: int, expire_every: int) -> dict[str, Any]:
        lines = [
            json.loads(line) for line in self.files[body["input_file_id"]].splitlines() if line
        ]
        output, errors = [], []
        for number, line in enumerate(lines, start=1):
            if fail_every and number % fail_every == 0:
                error = {"code": "server_error", "message": "authored line failure"}
                errors.append(
                    {
                        "id": f"r{number}",
                        "custom_id": line["custom_id"],
                        "response": None,
                        "error": error,
                    }
                )
            elif expire_every and number % expire_every == 0:
                error = {
                    "code": "batch_expired",
                    "message": "This request could not be executed before the completion window expired.",
                }
                errors.append(
                    {
                        "id": f"r{number}",
                        "custom_id": line["custom_id"],
                        "response": None,
                        "error": error,
                    }
                )
            else:
                arguments = valid_answer(line["body"])
                first = all(m["role"] != "assistant" for m in line["body"]["messages"])
                if first and self.misquote_every and number % self.misquote_every == 0:
                    arguments = misquoted(arguments)
                answer = tool_completion(line["body"], arguments, "tool_calls")
                response = {"status_code": 200, "request_id": f"q{number}", "body": answer}
                output.append(
                    {
                        "id": f"r{number}",
                        "custom_id": line["custom_id"],
                        "response": response,
                        "error": None,
                    }
                )
        with self._lock:
            output_id, error_id = f"file-{len(self.files) + 1}", f"file-{len(self.files) + 2}"
            self.files[output_id] = "".join(json.dumps(o) + "\n" for o in output).encode()
            self.files[error_id] = "".join(json.dumps(e) + "\n" for e in errors).encode()
            batch_id = f"batch_{len(self.batches) + 1}"
            self.batches[batch_id] = {
                "id": batch_id, "object": "batch", "endpoint": body["endpoint"],
                "input_file_id": body["input_file_id"], "completion_window": body["completion_window"],
                "status": "validating", "created_at": 1763424000, "output_file_id": output_id,
                "error_file_id": error_id,
                "request_counts": {"total": len(lines), "completed": len(output), "failed": len(errors)},
            }  # fmt: skip
            self.polls[batch_id] = 0
        return {**self.batches[batch_id], "output_file_id": None, "error_file_id": None}

    def _retrieve(self, batch_id: str, polls: int) -> dict[str, Any]:
        with self._lock:
            self.polls[batch_id] += 1
            batch = dict(self.batches[batch_id])
            if self.polls[batch_id] <= polls:
                return {
                    **batch,
                    "status": "in_progress",
                    "output_file_id": None,
                    "error_file_id": None,
                }
            return {**batch, "status": "completed"}
