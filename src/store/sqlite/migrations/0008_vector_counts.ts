// Schema v8: counting a model's vectors (capabilities, check_duplicate, doctor) reads an index
// instead of every vector row.

export const name = "vector_counts";

export const sql = `
CREATE INDEX memory_vectors_model ON memory_vectors (model);
`;
