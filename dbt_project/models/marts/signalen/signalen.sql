{#- The published signals (contract section 6): exactly the contract's columns and types.
    One row per signal of this run; see docs/signals.md for how to read one. -#}
with

berekend as (
    select * from {{ ref('int_signalen_berekend') }}
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
        cast(toelichting as varchar) as toelichting
    from berekend
    where n >= {{ var('minimum_group_size', 10) }}
)

select * from final
