#!/usr/bin/env python3
"""Writes every ```swift block of the given Markdown files to OUTDIR as a program of its own (one
file each, top-level code allowed), for scripts/check-docs to type-check against the built library.

A block may use names an earlier sentence of its article introduced (`share`, `token`, `client`, …):
a block that uses such a name without declaring it gets a declaration of it first, from CONTEXT below.
Package manifests (`// swift-tools-version`) are written as Package.swift files of their own.
Prints one line per file written: `OUTFILE SOURCE:LINE`."""
import os
import re
import sys

CONTEXT = {
    "cloudKey": 'let cloudKey = ""',
    "cloudSecret": 'let cloudSecret = ""',
    "cloudAPIKey": 'let cloudAPIKey = ""',
    "cloudAPISecret": 'let cloudAPISecret = ""',
    "sandboxKey": 'let sandboxKey = ""',
    "sandboxSecret": 'let sandboxSecret = ""',
    "token": 'let token = ""',
    "credentials": 'let credentials = CloudAPICredentials(key: "", secret: Secret(""))',
    "client": 'let client = CDXClient(credentials: CloudAPICredentials(key: "", secret: Secret("")))',
    "share": 'let share = try ShareFile.read("share.json").share',
    "kafka": 'let kafka = try KafkaClientConfig(share: try ShareFile.read("share.json").share)',
}

out = sys.argv[1]
count = 0
for path in sys.argv[2:]:
    lines = open(path, encoding="utf-8").read().split("\n")
    block, start = None, 0
    for number, line in enumerate(lines, 1):
        stripped = line.strip()
        if block is None and stripped == "```swift":
            block, start = [], number + 1
        elif block is not None and stripped == "```":
            code = "\n".join(block)
            count += 1
            name = f"snippet{count:02d}"
            if code.lstrip().startswith("// swift-tools-version"):
                target = os.path.join(out, name, "Package.swift")
                os.makedirs(os.path.dirname(target))
                body = code
            else:
                target = os.path.join(out, name + ".swift")
                declared = lambda n: re.search(rf"\b(let|var|func|class|struct|actor|enum)\s+{n}\b", code)
                used = [n for n in CONTEXT if re.search(rf"(?<![.\w]){n}\b", code) and not declared(n)]
                imports = [l for l in block if l.startswith("import ")]
                rest = [l for l in block if not l.startswith("import ")]
                body = "\n".join(
                    ["import Foundation", "import StreamShare"] + imports + [CONTEXT[n] for n in used] + rest
                )
            with open(target, "w", encoding="utf-8") as file:
                file.write(body + "\n")
            print(f"{target} {path}:{start}")
            block = None
        elif block is not None:
            block.append(line)
