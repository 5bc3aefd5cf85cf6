-- Each file's record bound to its content (an HMAC under a key of the
-- owner's); on the root folder, the mark that all of the user's files are
-- bound. NULL until the owner's next content request binds the old records.
ALTER TABLE nodes ADD COLUMN binding BLOB CHECK (binding IS NULL OR length(binding) = 32);
