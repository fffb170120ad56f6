-- Reserved for issue 4's migration (numbers are assigned per issue); empty on this branch.
-- At merge, the real 0003_*.sql replaces this file.
SELECT 1;
