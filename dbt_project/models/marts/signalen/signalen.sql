{#- The published signals (contract section 6): exactly the contract's columns and types.
    One row per signal of this run; see docs/signals.md for how to read one. -#}
with

berekend as (
    select * from {{ ref('int_signalen_berekend') }}
),

final as (
    {#- int_signalen_berekend has the contract's types already: only the contract's columns -#}
    select
        signaal_id,
        proces,
        indicator,
        segment,
        periode_start,
        periode_eind,
        waarde,
        referentie,
        verhouding,
        ondergrens,
        bovengrens,
        n,
        ernst,
        richting,
        toelichting
    from berekend
    where n >= {{ var('minimum_group_size', 10) }}
)

select * from final
