{#- The current objects a werklijst can point at, one row per object, with the state the rules
    (docs/werklijsten.md) look at. Source keys only: eenheid_id, zaak_id, overeenkomst_id.
      eenheid          units in exploitatie that are vacant after a tenancy (open MUT vacancy) or whose
                       tenancy is opgezegd and has not ended yet
      zaak             overlast cases open on the extract date
      huurovereenkomst running tenancies, with their latest complete contract month (month end on or
                       before the extract date) -#}
with

eenheden as (
    select * from {{ ref('dim_eenheid') }}
    where is_in_exploitatie
),

leeg as (
    select
        eenheid_id,
        max(leegstand_dagen) as dagen
    from {{ ref('fct_leegstand') }}
    where not is_afgesloten
        and leegstand_reden = 'MUT'
        and begindatum <= {{ extractdatum() }}
    group by eenheid_id
),

opgezegd as (
    select
        eenheid_id,
        min(einddatum) as einddatum
    from {{ ref('fct_huurovereenkomst') }}
    where opzegdatum is not null
        and opzegdatum <= {{ extractdatum() }}
        and not is_beeindigd
        and not is_geannuleerd
    group by eenheid_id
),

eenheid_objecten as (
    select
        cast('eenheid' as {{ dbt.type_string() }}) as object_soort,
        cast(e.eenheid_id as {{ dbt.type_string() }}) as object_id,
        cast('verhuur' as {{ dbt.type_string() }}) as proces,
        cast(e.wijk as {{ dbt.type_string() }}) as wijk,
        cast(case when l.eenheid_id is not null then 'leeg' else 'opgezegd' end as {{ dbt.type_string() }}) as toestand,
        cast(case when l.eenheid_id is not null then l.dagen else 0 end as integer) as dagen,
        case when l.eenheid_id is null then o.einddatum end as peildatum,
        cast(null as {{ type_double() }}) as maanden_achterstand,
        cast(null as integer) as achterstand_maanden_12m,
        cast(null as boolean) as in_achterstand,
        cast(null as boolean) as deurwaarder_bereikt,
        cast(null as boolean) as heeft_partner
    from eenheden as e
    left join leeg as l on l.eenheid_id = e.eenheid_id
    left join opgezegd as o on o.eenheid_id = e.eenheid_id
    where l.eenheid_id is not null or o.eenheid_id is not null
),

zaak_objecten as (
    select
        cast('zaak' as {{ dbt.type_string() }}) as object_soort,
        cast(zaak_id as {{ dbt.type_string() }}) as object_id,
        cast('overlast' as {{ dbt.type_string() }}) as proces,
        cast(wijk as {{ dbt.type_string() }}) as wijk,
        cast('open' as {{ dbt.type_string() }}) as toestand,
        cast(doorlooptijd_dagen as integer) as dagen,
        registratiedatum as peildatum,
        cast(null as {{ type_double() }}) as maanden_achterstand,
        cast(null as integer) as achterstand_maanden_12m,
        cast(null as boolean) as in_achterstand,
        cast(null as boolean) as deurwaarder_bereikt,
        (eerste_partner is not null) as heeft_partner
    from {{ ref('fct_zaak') }}
    where not is_afgesloten
        and registratiedatum <= {{ extractdatum() }}
),

lopend as (
    select overeenkomst_id
    from {{ ref('fct_huurovereenkomst') }}
    where not is_beeindigd and not is_geannuleerd
),

maanden as (
    select
        cm.*,
        row_number() over (partition by cm.overeenkomst_id order by cm.maand desc) as volgnummer
    from {{ ref('fct_contract_maand') }} as cm
    inner join lopend as l on l.overeenkomst_id = cm.overeenkomst_id
    -- complete months only: rent falls due on the 1st, so early in a month most tenancies look in
    -- arrears until they pay; the latest complete month is also the one the signals end with
    where {{ maand_einde('cm.maand') }} <= {{ extractdatum() }}
),

laatste_maand as (
    select * from maanden
    where volgnummer = 1
),

achterstand_12m as (
    select
        overeenkomst_id,
        sum(case when in_achterstand then 1 else 0 end) as maanden
    from maanden
    where volgnummer <= 12
    group by overeenkomst_id
),

contract_objecten as (
    select
        cast('huurovereenkomst' as {{ dbt.type_string() }}) as object_soort,
        cast(m.overeenkomst_id as {{ dbt.type_string() }}) as object_id,
        cast('incasso' as {{ dbt.type_string() }}) as proces,
        cast(m.wijk as {{ dbt.type_string() }}) as wijk,
        cast(
            case when m.in_achterstand then 'in_achterstand' else 'zonder_achterstand' end
            as {{ dbt.type_string() }}
        ) as toestand,
        cast(0 as integer) as dagen,
        m.maand as peildatum,
        cast(coalesce(case when m.in_achterstand then m.maanden_achterstand end, 0) as {{ type_double() }})
            as maanden_achterstand,
        cast(coalesce(a.maanden, 0) as integer) as achterstand_maanden_12m,
        m.in_achterstand,
        m.deurwaarder_bereikt,
        cast(null as boolean) as heeft_partner
    from laatste_maand as m
    left join achterstand_12m as a on a.overeenkomst_id = m.overeenkomst_id
),

final as (
    select * from eenheid_objecten
    union all
    select * from zaak_objecten
    union all
    select * from contract_objecten
)

select * from final
