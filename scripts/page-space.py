"""How much of each page's text area a document leaves empty at its foot.

    bash scripts/doc-pages.sh reports/形式主义调查/形式主义调查.docx 1 99 30
    python3 scripts/page-space.py 'reports/形式主义调查/形式主义调查-page-*.png'

Reads the page images (from doc-pages.sh; the office margins: text area from 37 mm to
262 mm of an A4 page), finds the lowest inked row of each text area and prints the empty
share per page, then how many pages (the last one excepted) leave more than a third and
more than a fifth empty. Needs Pillow (pip install pillow).
"""
import glob
import sys

from PIL import Image

res = []
for f in sorted(glob.glob(sys.argv[1])):
    im = Image.open(f).convert('L')
    w, h = im.size
    top, bot = int(h * 37 / 297), int(h * 262 / 297)
    px = im.load()
    low = top
    for y in range(top, bot):
        if any(px[x, y] < 200 for x in range(w)):
            low = y
    res.append((bot - low) / (bot - top))
print(' '.join(f'{r:.2f}' for r in res))
print('pages', len(res), 'over 1/3 empty (not last):', sum(r > 1 / 3 for r in res[:-1]),
      ' over 1/5:', sum(r > 0.2 for r in res[:-1]))
