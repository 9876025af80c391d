{#- The signals of this run: the statistics engine's output (woonsignaal.signals.engine.compute_signals over
    the fact marts), which the task bereken_signalen wrote into source signalen_invoer.signalen_berekend
    between the dbt builds of the marts and of the signals, on every target alike.
    Built only after the test assert_signalen_invoer_van_deze_nacht passed: the output's run row names
    this night (extractdatum, periode, minimum group size, the delivery as loaded). The depends_on lines
    below are the parents of that test, so that dbt build runs it before this model. -#}
-- depends_on: {{ ref('stg_signalen_invoer__signalen_berekend_run') }}
-- depends_on: {{ ref('int_signalen_periode') }}
-- depends_on: {{ ref('stg_raw__leveringen') }}
with

berekend as (
    select * from {{ ref('stg_signalen_invoer__signalen_berekend') }}
),

final as (
    -- the engine's columns, as staging typed them (woonsignaal.signals.facts.OUTPUT_TYPES)
    select * from berekend
)

select * from final  -- noqa: AM04
