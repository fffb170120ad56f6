-- Reserved for issue 7's migration (numbers are assigned per issue); empty on this branch.
-- At merge, the real 0006_*.sql replaces this file.
SELECT 1;
