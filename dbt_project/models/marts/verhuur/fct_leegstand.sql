{#- One row per vacancy: from the first day of leegstand (status LEE) to its end, consecutive LEE
    periods merged. Open vacancies: einddatum NULL, days counted up to the extract date (censored).
    huurderving_euro = vacant days x nettohuur x 12 / 365 of the unit as it was when the vacancy began.
    Unit dimensions as the unit was when the vacancy began. The agreements around it: the unit's last
    agreement ending before the vacancy began and the first one starting on or after its begin date;
    dagen_contract_tot_contract = next start - previous end (NULL when either is unknown). -#}
with

perioden as (
    select * from {{ ref('int_leegstand_perioden') }}
),

eenheden as (
    select * from {{ ref('dim_eenheid_historie') }}
),

overeenkomsten as (
    select overeenkomst_id, eenheid_id, begindatum, einddatum
    from {{ ref('int_huurovereenkomsten') }}
    where not is_geannuleerd
),

rondom as (
    select
        p.leegstand_id,
        max(case when o.einddatum < p.begindatum then o.einddatum end) as vorige_einddatum,
        min(case when o.begindatum >= p.begindatum then o.begindatum end) as volgende_begindatum
    from perioden as p
    inner join overeenkomsten as o
        on o.eenheid_id = p.eenheid_id
    group by p.leegstand_id
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
        r.vorige_einddatum as vorige_overeenkomst_einddatum,
        r.volgende_begindatum as volgende_overeenkomst_begindatum,
        {{ dagen_tussen('r.vorige_einddatum', 'r.volgende_begindatum') }} as dagen_contract_tot_contract,
        (p.leegstand_dagen > 30) as is_langer_dan_30_dagen,
        (p.leegstand_dagen > 90) as is_langer_dan_90_dagen,
        -- money
        e.nettohuur as nettohuur_maand_euro,
        cast(
            round(cast(p.leegstand_dagen * e.nettohuur * 12 as {{ dbt.type_numeric() }}) / 365, 2)
            as decimal(14, 2)
        ) as huurderving_euro,
        -- unit as it was when the vacancy began
        e.eenheid_soort,
        {{ eenheid_dimensies('e') }},
        p.extractdatum
    from perioden as p
    left join eenheden as e
        on e.eenheid_id = p.eenheid_id and {{ versie_op('e', 'p.begindatum') }}
    left join rondom as r
        on r.leegstand_id = p.leegstand_id
)

select * from final
