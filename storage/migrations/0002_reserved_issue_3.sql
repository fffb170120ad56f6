-- Reserved for issue 3's migration (numbers are assigned per issue); empty on this branch.
-- At merge, the real 0002_*.sql replaces this file.
SELECT 1;
