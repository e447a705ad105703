-- A delegate token registers one delegate name (issue 18): set by `ferry delegate-token create
-- --name`, else by the first claim; NULL for API tokens and unbound delegate tokens.
ALTER TABLE api_tokens ADD COLUMN delegate_name TEXT;
