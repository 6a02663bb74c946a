// ai-memory: no image support is installed (see package.json). @huggingface/transformers' Node
// build refuses to load without a sharp export, so this one exists and fails only if called.
module.exports = function sharp() {
  throw new Error("Image processing is not installed in ai-memory (sharp is a stand-in)");
};
