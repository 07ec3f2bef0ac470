#!/usr/bin/env python3
"""Reads every barcode in PNG images with zxing-cpp, an independent decoder for depot's label tests.

Prints one JSON object per symbol found, in zxing-cpp's order, one per line:
{"image": PATH, "format": "Code 128", "aim": "]C1", "data": "00106141412345678908"}
`aim` is the AIM symbology identifier zxing-cpp reports (ISO/IEC 15424; "]C1" is GS1-128), `data`
the transmitted bytes as text with ASCII 29 (GS) where FNC1 separates elements. Exits 4 when an
image holds no barcode, 2 when an image cannot be read.
"""
import json
import sys

import zxingcpp
from PIL import Image


def main(paths):
    status = 0
    for path in paths:
        try:
            image = Image.open(path)
        except OSError as error:
            print(f"zxing-read: {path}: {error}", file=sys.stderr)
            return 2
        results = zxingcpp.read_barcodes(image)
        if not results:
            status = 4
        for result in results:
            print(json.dumps({
                "image": path,
                "format": str(result.format),
                "aim": result.symbology_identifier,
                "data": result.bytes.decode("latin-1"),
            }))
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
