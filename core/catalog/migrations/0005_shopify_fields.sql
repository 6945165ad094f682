-- Fields of Shopify's product CSV that were dropped on import (issue #9):
-- the 13 "Google Shopping / ..." columns on the product, and on the
-- variant its tax code, the unit its weight is shown in (the weight itself
-- stays in grams) and whether its inventory is tracked (Shopify's blank
-- "Variant Inventory Tracker": such a variant is never refused for stock).
ALTER TABLE catalog_products ADD COLUMN google_product_category TEXT NOT NULL DEFAULT '';
ALTER TABLE catalog_products ADD COLUMN google_gender TEXT NOT NULL DEFAULT '' CHECK (google_gender IN ('', 'female', 'male', 'unisex'));
ALTER TABLE catalog_products ADD COLUMN google_age_group TEXT NOT NULL DEFAULT '' CHECK (google_age_group IN ('', 'newborn', 'infant', 'toddler', 'kids', 'adult'));
ALTER TABLE catalog_products ADD COLUMN google_mpn TEXT NOT NULL DEFAULT '';
ALTER TABLE catalog_products ADD COLUMN google_adwords_grouping TEXT NOT NULL DEFAULT '';
ALTER TABLE catalog_products ADD COLUMN google_adwords_labels TEXT NOT NULL DEFAULT '';
ALTER TABLE catalog_products ADD COLUMN google_condition TEXT NOT NULL DEFAULT '' CHECK (google_condition IN ('', 'new', 'refurbished', 'used'));
ALTER TABLE catalog_products ADD COLUMN google_custom_product BOOLEAN;
ALTER TABLE catalog_products ADD COLUMN google_custom_label_0 TEXT NOT NULL DEFAULT '';
ALTER TABLE catalog_products ADD COLUMN google_custom_label_1 TEXT NOT NULL DEFAULT '';
ALTER TABLE catalog_products ADD COLUMN google_custom_label_2 TEXT NOT NULL DEFAULT '';
ALTER TABLE catalog_products ADD COLUMN google_custom_label_3 TEXT NOT NULL DEFAULT '';
ALTER TABLE catalog_products ADD COLUMN google_custom_label_4 TEXT NOT NULL DEFAULT '';
ALTER TABLE catalog_variants ADD COLUMN tax_code TEXT NOT NULL DEFAULT '';
ALTER TABLE catalog_variants ADD COLUMN weight_unit TEXT NOT NULL DEFAULT 'g' CHECK (weight_unit IN ('g', 'kg', 'lb', 'oz'));
ALTER TABLE catalog_variants ADD COLUMN inventory_tracked BOOLEAN NOT NULL DEFAULT TRUE;
