{#- The engine's output of this night, one-to-one with signalen_invoer.signalen_berekend (written by the
    task bereken_signalen), with the columns and types of woonsignaal.signals.facts.OUTPUT_TYPES. -#}
with

source as (
    select * from {{ source('signalen_invoer', 'signalen_berekend') }}
),

renamed as (
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
    from source
)

select * from renamed
