/**
 * The embedded demo database: a small shop with realistic rows, NULLs, Japanese text, JSON, arrays,
 * money-like numerics and time zones, so every part of the value codec shows up on a first query.
 */
export const DEMO_SCHEMA_SQL = `
CREATE TABLE customers (
  id          bigserial PRIMARY KEY,
  name        text NOT NULL,
  email       text UNIQUE,
  country     char(2) NOT NULL,
  city        text,
  signed_up   timestamptz NOT NULL,
  vip         boolean NOT NULL DEFAULT false,
  preferences jsonb
);

CREATE TABLE products (
  id         serial PRIMARY KEY,
  sku        text NOT NULL UNIQUE,
  name       text NOT NULL,
  price      numeric(12,2) NOT NULL,
  tags       text[] NOT NULL DEFAULT '{}',
  weight_kg  double precision,
  discontinued date
);

CREATE TABLE orders (
  id          bigserial PRIMARY KEY,
  customer_id bigint NOT NULL REFERENCES customers(id),
  ordered_at  timestamptz NOT NULL,
  status      text NOT NULL CHECK (status IN ('pending', 'paid', 'shipped', 'cancelled')),
  total       numeric(14,2) NOT NULL,
  note        text,
  external_id uuid
);

CREATE TABLE order_items (
  order_id   bigint NOT NULL REFERENCES orders(id),
  product_id int NOT NULL REFERENCES products(id),
  quantity   int NOT NULL CHECK (quantity > 0),
  unit_price numeric(12,2) NOT NULL,
  PRIMARY KEY (order_id, product_id)
);

INSERT INTO customers (name, email, country, city, signed_up, vip, preferences) VALUES
  ('Ada Lovelace', 'ada@example.com', 'GB', 'London', '2021-03-14 09:26:53+00', true, '{"newsletter": true, "language": "en"}'),
  ('山田 太郎', 'taro.yamada@example.jp', 'JP', '東京', '2022-01-05 18:00:00+09', false, '{"newsletter": false, "language": "ja"}'),
  ('佐藤 花子', 'hanako@example.jp', 'JP', '大阪', '2022-07-21 08:15:30+09', true, '{"language": "ja", "gift_wrap": true}'),
  ('Grace Hopper', 'grace@example.com', 'US', 'Arlington', '2020-12-09 14:00:00-05', true, NULL),
  ('José Martínez', NULL, 'ES', 'Sevilla', '2023-02-28 11:11:11+01', false, '{}'),
  ('Zoë Ødegaard', 'zoe@example.no', 'NO', NULL, '2023-09-01 00:00:00+02', false, '{"newsletter": true}'),
  ('NULL', 'null@example.com', 'US', 'Nullville', '2024-04-01 12:00:00+00', false, 'null'),
  ('鈴木 一郎', 'ichiro@example.jp', 'JP', '名古屋', '2024-11-11 11:11:11.111111+09', false, '{"points": 12345678901234567890}');

INSERT INTO products (sku, name, price, tags, weight_kg, discontinued) VALUES
  ('TEA-001', 'Sencha green tea 100g', 12.50, '{tea,japan}', 0.1, NULL),
  ('TEA-002', '抹茶 (matcha) 30g', 24.00, '{tea,japan,premium}', 0.03, NULL),
  ('CUP-001', 'Porcelain cup', 18.90, '{kitchen}', 0.25, NULL),
  ('POT-001', 'Cast iron teapot 急須', 89.00, '{kitchen,japan}', 1.2, NULL),
  ('KIT-001', 'Starter kit', 129.99, '{bundle}', 1.6, '2024-06-30'),
  ('GFT-001', 'Gift card', 50.00, '{}', NULL, NULL);

INSERT INTO orders (customer_id, ordered_at, status, total, note, external_id)
SELECT 1 + (g % 8),
       timestamptz '2024-01-01 00:00:00+00' + g * interval '7 hours 13 minutes',
       (ARRAY['pending', 'paid', 'shipped', 'cancelled'])[1 + g % 4],
       0,
       CASE WHEN g % 5 = 0 THEN 'お届け日時指定あり' WHEN g % 7 = 0 THEN 'leave at the door' END,
       md5('order' || g)::uuid
FROM generate_series(1, 240) AS g;

INSERT INTO order_items (order_id, product_id, quantity, unit_price)
SELECT o.id, p.id, 1 + (o.id + p.id) % 3, p.price
FROM orders o JOIN products p ON (o.id + p.id) % 3 = 0;

UPDATE orders o SET total = s.total
FROM (SELECT order_id, sum(quantity * unit_price) AS total FROM order_items GROUP BY order_id) s
WHERE s.order_id = o.id;
`;
