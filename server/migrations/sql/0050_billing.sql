-- Subscriptions and payments (spec §2.3, §5.1 "subscriptions", FR-UM-004). Money in paise.
-- An order is what the gateway is asked to collect; a captured payment of an order (reported by
-- a signed webhook) activates, upgrades or renews a subscription and issues an invoice.

CREATE TABLE subscriptions (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    plan_type VARCHAR(20) NOT NULL,
    amount_paise BIGINT NOT NULL,
    currency VARCHAR(3) NOT NULL DEFAULT 'INR',
    status VARCHAR(20) NOT NULL,
    start_date TIMESTAMPTZ NOT NULL,
    end_date TIMESTAMPTZ NOT NULL,
    auto_renew BOOLEAN NOT NULL DEFAULT TRUE,
    pending_plan_type VARCHAR(20),          -- a downgrade that applies at the next renewal
    cancelled_at TIMESTAMPTZ,
    payment_method VARCHAR(50),
    transaction_id VARCHAR(255),
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    updated_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT subscriptions_plan_chk CHECK (plan_type IN ('monthly', 'quarterly', 'annual')),
    CONSTRAINT subscriptions_pending_chk CHECK (pending_plan_type IS NULL
                                                OR pending_plan_type IN ('monthly', 'quarterly', 'annual')),
    CONSTRAINT subscriptions_status_chk CHECK (status IN ('active', 'cancelled', 'expired', 'superseded')),
    CONSTRAINT subscriptions_period_chk CHECK (start_date < end_date)
);
CREATE INDEX subscriptions_user_idx ON subscriptions (user_id, created_at DESC);
-- At most one current (active or cancelled-but-running) subscription per account.
CREATE UNIQUE INDEX subscriptions_current_uq ON subscriptions (user_id) WHERE status IN ('active', 'cancelled');

CREATE TABLE payment_orders (
    id VARCHAR(40) PRIMARY KEY,                 -- order_<hex>, as the gateway names them
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    plan_type VARCHAR(20) NOT NULL,
    purpose VARCHAR(20) NOT NULL,
    amount_paise BIGINT NOT NULL,
    currency VARCHAR(3) NOT NULL DEFAULT 'INR',
    status VARCHAR(20) NOT NULL DEFAULT 'created',
    auto_renew BOOLEAN NOT NULL DEFAULT TRUE,
    subscription_id UUID REFERENCES subscriptions(id) ON DELETE SET NULL,   -- renewed / upgraded one
    period_key TEXT,                            -- renewals: one order per subscription period
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    paid_at TIMESTAMPTZ,
    CONSTRAINT payment_orders_plan_chk CHECK (plan_type IN ('monthly', 'quarterly', 'annual')),
    CONSTRAINT payment_orders_purpose_chk CHECK (purpose IN ('new', 'upgrade', 'renewal')),
    CONSTRAINT payment_orders_status_chk CHECK (status IN ('created', 'paid', 'failed', 'rejected')),
    CONSTRAINT payment_orders_amount_chk CHECK (amount_paise >= 0)
);
CREATE INDEX payment_orders_user_idx ON payment_orders (user_id, created_at DESC);
CREATE UNIQUE INDEX payment_orders_period_uq ON payment_orders (period_key) WHERE period_key IS NOT NULL;

CREATE TABLE payments (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    gateway_payment_id VARCHAR(64) NOT NULL UNIQUE,
    order_id VARCHAR(40) NOT NULL REFERENCES payment_orders(id) ON DELETE CASCADE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    amount_paise BIGINT NOT NULL,
    currency VARCHAR(3) NOT NULL DEFAULT 'INR',
    status VARCHAR(20) NOT NULL,
    method VARCHAR(30),
    error_description TEXT,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now(),
    CONSTRAINT payments_status_chk CHECK (status IN ('captured', 'failed'))
);
CREATE INDEX payments_user_idx ON payments (user_id, created_at DESC);

CREATE SEQUENCE invoice_number_seq;
CREATE TABLE invoices (
    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
    number VARCHAR(40) NOT NULL UNIQUE,
    user_id UUID NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    subscription_id UUID NOT NULL REFERENCES subscriptions(id) ON DELETE CASCADE,
    payment_id UUID NOT NULL UNIQUE REFERENCES payments(id) ON DELETE CASCADE,
    plan_type VARCHAR(20) NOT NULL,
    description TEXT NOT NULL,
    list_price_paise BIGINT NOT NULL,
    credit_paise BIGINT NOT NULL DEFAULT 0,   -- unused time of an upgraded plan
    amount_paise BIGINT NOT NULL,
    currency VARCHAR(3) NOT NULL DEFAULT 'INR',
    period_start TIMESTAMPTZ NOT NULL,
    period_end TIMESTAMPTZ NOT NULL,
    issued_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
CREATE INDEX invoices_user_idx ON invoices (user_id, issued_at DESC);

-- Every verified webhook event, by the gateway's event id: a replay finds its row and does nothing.
CREATE TABLE payment_webhook_events (
    event_id VARCHAR(64) PRIMARY KEY,
    event_type VARCHAR(60) NOT NULL,
    outcome VARCHAR(40) NOT NULL,
    received_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
