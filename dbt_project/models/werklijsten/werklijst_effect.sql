{#- Did acting on a signal help? Per signal on last month's werklijst (the latest list of an extract date
    before this extract date's month, from werklijst_historie): how many of its rows have resolved by
    this extract date. Resolved (docs/werklijsten.md):
      eenheid          a new tenancy began after last month's list (the unit is let)
      zaak             the case is closed
      huurovereenkomst the contract's latest complete month is not in arrears (arrear cured or prevented)
    Matched on signaal_sleutel (proces, indicator, segment), so the same signal in this month's window
    says whether the signal still calls for action. Empty until there is a list of an earlier month. -#}
with

historie as (
    select * from {{ ref('werklijst_historie') }}
),

vorige_datum as (
    select max(extractdatum) as extractdatum
    from historie
    where extractdatum < {{ maand_start(extractdatum()) }}
),

vorige as (
    select h.*
    from historie as h
    inner join vorige_datum as v on v.extractdatum = h.extractdatum
),

verhuurd as (
    select distinct cast(o.eenheid_id as {{ dbt.type_string() }}) as object_id
    from {{ ref('fct_huurovereenkomst') }} as o
    where not o.is_geannuleerd
        and o.begindatum > (select vorige_datum.extractdatum from vorige_datum)
        and o.begindatum <= {{ extractdatum() }}
),

zaken_afgesloten as (
    select cast(zaak_id as {{ dbt.type_string() }}) as object_id
    from {{ ref('fct_zaak') }}
    where is_afgesloten
),

maanden as (
    select
        overeenkomst_id,
        in_achterstand,
        row_number() over (partition by overeenkomst_id order by maand desc) as volgnummer
    from {{ ref('fct_contract_maand') }}
    where {{ maand_einde('maand') }} <= {{ extractdatum() }}
),

contracten_zonder_achterstand as (
    select cast(m.overeenkomst_id as {{ dbt.type_string() }}) as object_id
    from maanden as m
    inner join {{ ref('fct_huurovereenkomst') }} as o on o.overeenkomst_id = m.overeenkomst_id
    where m.volgnummer = 1
        and not m.in_achterstand
        and not o.is_beeindigd
),

uitkomst as (
    select
        v.*,
        case
            when v.object_soort = 'eenheid' then vh.object_id is not null
            when v.object_soort = 'zaak' then za.object_id is not null
            when v.object_soort = 'huurovereenkomst' then cz.object_id is not null
            else false
        end as is_opgelost
    from vorige as v
    left join verhuurd as vh on v.object_soort = 'eenheid' and vh.object_id = v.object_id
    left join zaken_afgesloten as za on v.object_soort = 'zaak' and za.object_id = v.object_id
    left join contracten_zonder_achterstand as cz on v.object_soort = 'huurovereenkomst' and cz.object_id = v.object_id
),

huidig as (
    select distinct signaal_sleutel, signaal_id
    from {{ ref('werklijst') }}
),

final as (
    select
        cast(u.signaal_sleutel as {{ dbt.type_string() }}) as signaal_sleutel,
        cast(u.signaal_id as {{ dbt.type_string() }}) as vorig_signaal_id,
        cast(max(h.signaal_id) as {{ dbt.type_string() }}) as signaal_id,
        cast(u.proces as {{ dbt.type_string() }}) as proces,
        cast(u.indicator as {{ dbt.type_string() }}) as indicator,
        cast(u.segment as {{ dbt.type_string() }}) as segment,
        cast(u.extractdatum as date) as vorige_extractdatum,
        cast({{ extractdatum() }} as date) as extractdatum,
        cast(count(*) as integer) as rijen_vorige_lijst,
        cast(sum(case when u.is_opgelost then 1 else 0 end) as integer) as opgelost_aantal,
        cast(sum(case when u.is_opgelost then 0 else 1 end) as integer) as niet_opgelost_aantal,
        cast(100.0 * sum(case when u.is_opgelost then 1 else 0 end) / count(*) as {{ type_double() }}) as opgelost_pct,
        (max(h.signaal_id) is not null) as vraagt_nog_actie
    from uitkomst as u
    left join huidig as h on h.signaal_sleutel = u.signaal_sleutel
    group by u.signaal_sleutel, u.signaal_id, u.proces, u.indicator, u.segment, u.extractdatum
)

select * from final
