-- Reserved for issue 6's migration (numbers are assigned per issue); empty on this branch.
-- At merge, the real 0005_*.sql replaces this file.
SELECT 1;
