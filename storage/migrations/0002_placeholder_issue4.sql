-- Placeholder so that 0003_polls applies on the issue-4 branch alone (numbers must run
-- consecutively). The lead deletes this file at merge, when another feature's 0002 exists.
SELECT 1;
