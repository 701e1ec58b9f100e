// The seed's worker.js: sharp resize(800).jpeg({quality: 80}), answering
// with the bytes instead of writing them to processed/.
import { parentPort, workerData } from "worker_threads";
import sharp from "sharp";

try {
  const data = await sharp(workerData)
    .resize(800) // Resize width to 800px
    .jpeg({ quality: 80 }) // Compress to 80% quality
    .toBuffer();
  parentPort.postMessage({ data });
} catch (err) {
  parentPort.postMessage({ error: err.message });
}
