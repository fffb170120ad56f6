-- Placeholder so that 0004 applies in the issue-5 branch alone: the real 0003 comes from
-- another issue. DROP THIS FILE at merge (the lead keeps the other branch's 0003).
SELECT 1;
