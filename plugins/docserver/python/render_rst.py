"""Renders reStructuredText to an HTML fragment with docutils, one request per line.

Reads JSON lines {"id": n, "source": "..."} on stdin and answers {"id": n, "html": "..."}
(or {"id": n, "error": "..."}) on stdout, one line each, for as long as stdin is open: the
docserver keeps one of these running instead of starting Python for every page. Raw HTML and
file inclusion are off: a document may not pull in the server's files or unfiltered markup.
"""
import json
import sys

from docutils.core import publish_parts

SETTINGS = {
    "raw_enabled": False,
    "file_insertion_enabled": False,
    "report_level": 5,
    "halt_level": 5,
    "warning_stream": False,
    "input_encoding": "unicode",
    "output_encoding": "unicode",
    "embed_stylesheet": False,
    "syntax_highlight": "none",
}


def main():
    for line in sys.stdin:
        request = json.loads(line)
        try:
            parts = publish_parts(request["source"], writer_name="html5", settings_overrides=SETTINGS)
            answer = {"id": request["id"], "html": parts["html_title"] + parts["body"]}
        except Exception as error:  # a document docutils cannot read: say so, keep serving
            answer = {"id": request["id"], "error": str(error)}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
