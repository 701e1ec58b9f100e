// A responsive image set with sharp (libvips), the way a Node user writes it:
// one sharp instance per photo and clone() per rendition (sharp's documented
// way to make several outputs from one input), every width in every format.
// Widths larger than the photo are skipped, as imgpar does without --enlarge.
// usage: SHARP_PATH=.../node_modules/sharp node sharp_sets.js INDIR OUTDIR CONCURRENCY WIDTHS FORMATS
//   e.g. node sharp_sets.js /tmp/c21 /tmp/out 2 320,640,1280 webp,jpeg
// Outputs are named NAME-WIDTH.EXT, as imgpar's default set template.
const sharp = require(process.env.SHARP_PATH || 'sharp');
const fs = require('fs'), path = require('path');
const [inDir, outDir, conc, widthList, formatList] = process.argv.slice(2);
const widths = widthList.split(',').map(Number), formats = formatList.split(',');
const ext = { jpeg: '.jpg', png: '.png', webp: '.webp', avif: '.avif' };
sharp.cache(false);
fs.mkdirSync(outDir, { recursive: true });
const files = fs.readdirSync(inDir).filter(f => /\.(jpe?g|png|webp|tiff?)$/i.test(f));
let i = 0, made = 0;
async function worker() {
  while (i < files.length) {
    const f = files[i++];
    const input = sharp(path.join(inDir, f)).rotate();
    const m = await input.metadata();
    const w = (m.orientation || 1) >= 5 ? m.height : m.width;
    const name = f.replace(/\.\w+$/, '');
    const jobs = [];
    for (const width of widths.filter(x => x <= w)) {
      for (const fmt of formats) {
        jobs.push(input.clone().resize({ width, withoutEnlargement: true }).toFormat(fmt)
          .toFile(path.join(outDir, `${name}-${width}${ext[fmt]}`)));
      }
    }
    await Promise.all(jobs);
    made += jobs.length;
  }
}
Promise.all(Array.from({ length: +conc || 2 }, worker)).then(() => console.error(`${made} files`));
