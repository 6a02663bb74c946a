// ai-memory: the web ONNX runtime is not installed (see package.json).
throw new Error("onnxruntime-web is not installed in ai-memory; models run on onnxruntime-node");
