-- alex_chunks cuts a document's UTF-8 bytes, not its characters: every chunk is 24,000 bytes
-- (the last one fewer), 32,000 characters once the Data API sends it as base64 (blobValue),
-- so a row's size and a page's are the same whatever the text (8,000 characters of emoji were
-- 32,000 bytes of UTF-8 and 96 KB once JSON-escaped). A chunk may end inside a character: the
-- reader joins the bytes before it decodes them. Each row still carries the document's digest.
DROP FUNCTION alex_chunks(text, integer, integer);

-- PL/pgSQL, not SQL: a SQL function would be inlined into the caller's statement, and the
-- document expression (a whole job's to_jsonb, say) computed again for every chunk.
CREATE FUNCTION alex_chunks(doc text, page_start integer, page_rows integer)
RETURNS TABLE (digest text, chunk bytea)
LANGUAGE plpgsql IMMUTABLE PARALLEL SAFE AS $$
DECLARE
    whole bytea := convert_to(doc, 'UTF8');
    whole_digest text := md5(whole);
BEGIN
    RETURN QUERY
    SELECT whole_digest, substring(whole FROM n * 24000 + 1 FOR 24000)
    FROM generate_series(
        greatest(page_start, 0),
        least(page_start + page_rows, (octet_length(whole) + 23999) / 24000) - 1
    ) AS n
    ORDER BY n;
END
$$;
