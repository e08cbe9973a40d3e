#!/usr/bin/env python3
"""Drives `veil proxy` with the real `openai` package, unchanged: models, chat (plain and streaming),
completions (plain and streaming), embeddings. Prints one line per check and exits 0 only when all pass.

Usage: openai_proxy_check.py BASE_URL EXPECTED_MODEL_PREFIX
"""
import sys

import openai


def main() -> int:
    base_url = sys.argv[1]
    client = openai.OpenAI(base_url=base_url, api_key="unused-by-veil", max_retries=0, timeout=120)
    failures = []

    def check(name, condition, detail=""):
        print(("ok   " if condition else "FAIL ") + name + (": " + detail if detail else ""), flush=True)
        if not condition:
            failures.append(name)

    models = client.models.list()
    ids = [model.id for model in models.data]
    check("models.list", len(ids) >= 1, repr(ids))

    model = ids[0] if ids else "default"
    chat = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Say hello"}], max_tokens=12, temperature=0
    )
    text = chat.choices[0].message.content or ""
    check("chat.completions", chat.choices[0].message.role == "assistant" and len(text) > 0, repr(text))

    pieces = []
    stream = client.chat.completions.create(
        model=model, messages=[{"role": "user", "content": "Count to three"}], max_tokens=12, temperature=0, stream=True
    )
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            pieces.append(chunk.choices[0].delta.content)
    check("chat.completions stream", len(pieces) >= 2 and len("".join(pieces)) > 0, repr("".join(pieces)))

    completion = client.completions.create(model=model, prompt="Once upon a time", max_tokens=8, temperature=0)
    check("completions", len(completion.choices[0].text) > 0, repr(completion.choices[0].text))

    streamed = []
    for chunk in client.completions.create(
        model=model, prompt="Once upon a time", max_tokens=8, temperature=0, stream=True
    ):
        if chunk.choices:
            streamed.append(chunk.choices[0].text)
    check("completions stream", len("".join(streamed)) > 0, repr("".join(streamed)))

    if len(sys.argv) > 2 and sys.argv[2] == "embeddings":
        embeddings = client.embeddings.create(model=model, input=["hello", "world"])
        vectors = [item.embedding for item in embeddings.data]
        check("embeddings", len(vectors) == 2 and all(len(v) > 0 for v in vectors), str([len(v) for v in vectors]))

    try:
        client.chat.completions.create(model=model, messages="not a list", max_tokens=4)  # type: ignore[arg-type]
        check("errors surface as openai.APIStatusError", False, "no error raised")
    except openai.APIStatusError as error:
        check("errors surface as openai.APIStatusError", 400 <= error.status_code < 600, str(error.status_code))

    print("all passed" if not failures else "failed: " + ", ".join(failures), flush=True)
    return 0 if not failures else 1


if __name__ == "__main__":
    sys.exit(main())
