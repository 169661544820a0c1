-- A document larger than one result row may be (the Data API refuses rows over 64 KB) is
-- answered as ordered chunks of 8,000 characters: at most 32,000 bytes of UTF-8 each, and cut
-- between characters, never inside one. Each chunk carries the document's digest, so a reader
-- that takes the chunks in several calls can tell that they all come from the same version.
-- page_start and page_rows choose the chunks of one call (0-based, as the gateway pages).
CREATE OR REPLACE FUNCTION alex_chunks(doc text, page_start integer, page_rows integer)
RETURNS TABLE (digest text, chunk text)
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT md5(doc), substr(doc, n * 8000 + 1, 8000)
    FROM generate_series(
        greatest(page_start, 0),
        least(page_start + page_rows, (length(doc) + 7999) / 8000) - 1
    ) AS n
    ORDER BY n
$$;
