"""Parses a metrics exposition with the Prometheus project's own Python client, as an
independent reader: `parse_metrics.py openmetrics|text FILE`. Prints one line per family,
`name type samples`, and exits non-zero on anything its parser refuses."""

import sys

from prometheus_client.openmetrics.parser import (
    text_string_to_metric_families as parse_openmetrics,
)
from prometheus_client.parser import text_string_to_metric_families as parse_text


def main() -> None:
    kind, path = sys.argv[1], sys.argv[2]
    with open(path, encoding="utf-8") as f:
        text = f.read()
    parse = parse_openmetrics if kind == "openmetrics" else parse_text
    for family in parse(text):
        print(family.name, family.type, len(family.samples))


if __name__ == "__main__":
    main()
