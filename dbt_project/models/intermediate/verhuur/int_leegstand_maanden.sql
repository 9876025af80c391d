{#- Each vacancy split over the calendar months it overlaps: vacant days in the month (the vacancy is the
    half-open interval [begindatum, einddatum), open ones up to the extract date) and huurderving. -#}
with

leegstand as (
    select * from {{ ref('fct_leegstand') }}
),

maanden as (
    select * from {{ ref('dim_maand') }}
    where maanden_geleden < {{ var('kpi_maanden') }}
),

overlap as (
    select
        l.leegstand_id,
        l.eenheid_id,
        m.maand,
        l.nettohuur_maand_euro,
        case when l.begindatum > m.maand then l.begindatum else m.maand end as van,
        case
            when coalesce(l.einddatum, l.extractdatum) < {{ plus_dagen('m.maand_einde', 1) }}
                then coalesce(l.einddatum, l.extractdatum)
            else {{ plus_dagen('m.maand_einde', 1) }}
        end as tot
    from leegstand as l
    inner join maanden as m
        on m.maand_einde >= l.begindatum
        and coalesce(l.einddatum, l.extractdatum) > m.maand
)

select
    leegstand_id,
    eenheid_id,
    maand,
    {{ dagen_tussen('van', 'tot') }} as leegstand_dagen,
    cast(
        round(cast({{ dagen_tussen('van', 'tot') }} * nettohuur_maand_euro * 12 as {{ dbt.type_numeric() }}) / 365, 2)
        as decimal(14, 2)
    ) as huurderving_euro
from overlap
