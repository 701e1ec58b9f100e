// The seed's image server (seed/000_535623cbab745297.txt, "server.js"):
// express + multer, a new worker thread per upload running sharp
// resize(800).jpeg({quality: 80}). One change, which the seed itself
// offers as its next step: the worker returns the processed bytes, and the
// route answers with them, so that it does what imgpar serve's POST /upload
// does. Run by docs/bench/serve-load.sh next to imgpar serve.
import express from "express";
import multer from "multer";
import { Worker } from "worker_threads";
import fs from "fs";
import os from "os";
import path from "path";
import sharp from "sharp";

const app = express();
const upload = multer({ dest: path.join(os.tmpdir(), "seed-server-uploads") });

// SEED_SERVER_INLINE=1: no worker thread; sharp runs the job from the main
// thread (sharp is asynchronous: libvips works on libuv's thread pool). Not
// the seed's design; what a sharp server usually does, for comparison.
const inline = process.env.SEED_SERVER_INLINE === "1";

app.post("/upload", upload.single("image"), (req, res) => {
  if (inline) {
    sharp(req.file.path)
      .resize(800)
      .jpeg({ quality: 80 })
      .toBuffer()
      .then((data) => res.type("image/jpeg").send(data))
      .catch((err) => res.status(500).json({ error: err.message }))
      .finally(() => fs.unlink(req.file.path, () => {}));
    return;
  }
  const worker = new Worker(new URL("./worker.mjs", import.meta.url), {
    workerData: req.file.path,
  });

  worker.on("message", (msg) => {
    fs.unlink(req.file.path, () => {});
    if (msg.error) {
      res.status(500).json({ error: msg.error });
      return;
    }
    res.type("image/jpeg").send(Buffer.from(msg.data.buffer, msg.data.byteOffset, msg.data.byteLength));
  });

  worker.on("error", (err) => {
    console.error("Worker error:", err);
    res.status(500).json({ error: "Processing failed" });
  });
});

const server = app.listen(Number(process.env.PORT || 3000), "127.0.0.1", () => {
  console.error(`serving on http://127.0.0.1:${server.address().port}`);
});
