{#- One row per vacancy: from the first day of leegstand (status LEE) to its end, consecutive LEE
    periods merged. Open vacancies: einddatum NULL, days counted up to the extract date (censored).
    huurderving_euro = vacant days x nettohuur x 12 / 365 of the unit as it was when the vacancy began.
    Unit dimensions as the unit was when the vacancy began. -#}
with

perioden as (
    select * from {{ ref('int_leegstand_perioden') }}
),

eenheden as (
    select * from {{ ref('dim_eenheid_historie') }}
),

final as (
    select
        -- keys
        p.leegstand_id,
        p.eenheid_id,
        -- period
        p.begindatum,
        p.einddatum,
        p.is_afgesloten,
        p.leegstand_dagen,
        p.leegstand_reden,
        p.statusperioden_aantal,
        p.redenen_aantal,
        (p.leegstand_dagen > 30) as is_langer_dan_30_dagen,
        (p.leegstand_dagen > 90) as is_langer_dan_90_dagen,
        -- money
        e.nettohuur as nettohuur_maand_euro,
        cast(round(cast(p.leegstand_dagen * e.nettohuur * 12 as {{ dbt.type_numeric() }}) / 365, 2)
            as decimal(14, 2)) as huurderving_euro,
        -- unit as it was when the vacancy began
        e.eenheid_soort,
        {{ eenheid_dimensies('e') }},
        p.extractdatum
    from perioden as p
    left join eenheden as e
        on e.eenheid_id = p.eenheid_id and {{ versie_op('e', 'p.begindatum') }}
)

select * from final
