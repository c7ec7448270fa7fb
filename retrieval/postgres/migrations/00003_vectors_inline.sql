-- Vectors are read at every process start: keep them in the table's own
-- rows rather than in TOAST, where each of 100k reads was an index lookup
-- more (a 512-dimension vector is 2 kB, just over the point where
-- PostgreSQL moves values out of line). Rows up to 8 kB (1,536
-- dimensions) stay inline; larger ones may still be moved. The rewrite
-- moves the vectors already stored.

-- +goose Up
ALTER TABLE embeddings SET (toast_tuple_target = 8160);
ALTER TABLE embeddings ALTER COLUMN vector SET STORAGE MAIN;
ALTER TABLE embeddings ALTER COLUMN vector TYPE bytea USING (vector || ''::bytea);

-- +goose Down
ALTER TABLE embeddings RESET (toast_tuple_target);
ALTER TABLE embeddings ALTER COLUMN vector SET STORAGE EXTERNAL;
