{#- The signals of this run (the engine woonsignaal.signals.engine.compute_signals), with the columns and
    types of woonsignaal.signals.facts.OUTPUT_TYPES, on every target:
      DuckDB      from the dbt Python model int_signalen_berekend_duckdb, which runs the engine;
      PostgreSQL  (dbt-postgres runs SQL models only) from source signalen_invoer.signalen_berekend, which
                  the signal step (woonsignaal.serving.dbt_signals.compute_signals_in_postgres) wrote
                  with the same engine over the same facts; woonsignaal.transform.run_dbt_build runs it
                  after the fact marts and before this model (docs/serving.md). -#}
with

berekend as (
    {%- if target.type == 'duckdb' %}
    select * from {{ ref('int_signalen_berekend_duckdb') }}
    {%- else %}
    select * from {{ source('signalen_invoer', 'signalen_berekend') }}
    {%- endif %}
),

final as (
    select
        cast(signaal_id as varchar) as signaal_id,
        cast(proces as varchar) as proces,
        cast(indicator as varchar) as indicator,
        cast(segment as varchar) as segment,
        cast(periode_start as date) as periode_start,
        cast(periode_eind as date) as periode_eind,
        cast(waarde as {{ type_double() }}) as waarde,
        cast(referentie as {{ type_double() }}) as referentie,
        cast(verhouding as {{ type_double() }}) as verhouding,
        cast(ondergrens as {{ type_double() }}) as ondergrens,
        cast(bovengrens as {{ type_double() }}) as bovengrens,
        cast(n as integer) as n,
        cast(ernst as varchar) as ernst,
        cast(richting as varchar) as richting,
        cast(toelichting as varchar) as toelichting,
        cast(signaal_sleutel as varchar) as signaal_sleutel,
        cast(vergelijking as varchar) as vergelijking,
        cast(p_waarde as {{ type_double() }}) as p_waarde,
        cast(q_waarde as {{ type_double() }}) as q_waarde
    from berekend
)

select * from final
