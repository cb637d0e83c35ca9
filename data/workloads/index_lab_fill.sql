-- Rows for the index lab (notebook 03): enough that the planner prefers indexes.
INSERT INTO customers (email, name, deleted_at)
SELECT 'User' || g || '@Example.com', 'user ' || g,
       CASE WHEN g % 10 = 0 THEN now() - interval '1 day' END
FROM generate_series(1, 50000) AS g;

INSERT INTO products (sku, title, body, price, attributes)
SELECT 'SKU-' || g,
       (ARRAY['red', 'blue', 'green', 'black'])[1 + g % 4] || ' '
         || (ARRAY['chair', 'table', 'lamp', 'desk', 'sofa'])[1 + g % 5] || ' ' || g,
       'A ' || (ARRAY['sturdy', 'elegant', 'compact', 'vintage'])[1 + g % 4]
         || ' piece of furniture, model ' || g,
       round((5 + (g % 500) * 1.37)::numeric, 2),
       jsonb_build_object('color', (ARRAY['red', 'blue', 'green', 'black'])[1 + g % 4],
                          'size', (ARRAY['S', 'M', 'L'])[1 + g % 3],
                          'eco', g % 7 = 0, 'batch', g % 1000)
FROM generate_series(1, 50000) AS g;

INSERT INTO events (occurred_at, kind, trace_id, payload)
SELECT timestamptz '2026-01-01' + g * interval '30 seconds',
       (ARRAY['view', 'click', 'buy', 'refund'])[1 + g % 4],
       md5(g::text),
       jsonb_build_object('n', g)
FROM generate_series(1, 400000) AS g;

INSERT INTO bookings (room, during)
SELECT 1 + g % 50,
       tstzrange(timestamptz '2026-01-01' + (g / 50) * interval '2 hours',
                 timestamptz '2026-01-01' + (g / 50) * interval '2 hours' + interval '90 minutes')
FROM generate_series(0, 19999) AS g;

-- run VACUUM ANALYZE afterwards (outside a transaction): statistics for the planner, and the
-- visibility map that lets a covering index answer without touching the table
