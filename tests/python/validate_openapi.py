"""Validates an OpenAPI document with openapi-spec-validator (PyPI), an implementation no
one here wrote: `validate_openapi.py FILE`. Prints every error and exits non-zero if any."""

import sys

from openapi_spec_validator import OpenAPIV31SpecValidator
from openapi_spec_validator.readers import read_from_filename


def main() -> None:
    spec, _ = read_from_filename(sys.argv[1])
    errors = list(OpenAPIV31SpecValidator(spec).iter_errors())
    for error in errors:
        print(f"{error.message} (at {'/'.join(map(str, error.absolute_path))})")
    print(f"{len(errors)} error(s)")
    sys.exit(1 if errors else 0)


if __name__ == "__main__":
    main()
